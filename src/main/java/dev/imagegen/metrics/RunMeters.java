package dev.imagegen.metrics;

import dev.imagegen.model.FailureKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A run's {@link Figures} as Micrometer meters in a Prometheus registry of their own, made afresh for every
 * reading: the Pushgateway replaces a run's group with each push, and a textfile is rewritten whole, so each
 * publication carries the run's figures as they are now. Names as Prometheus shows them are in docs/operations.md.
 */
final class RunMeters {

    /** Latency buckets (seconds): image calls take 5–60 s, the placeholder model milliseconds. */
    private static final Duration[] LATENCY_BUCKETS = Arrays.stream(
                    new double[] {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300})
            .mapToObj(s -> Duration.ofMillis((long) (s * 1000)))
            .toArray(Duration[]::new);

    private RunMeters() {}

    /**
     * @param labelled with {@code dataset} and {@code run_id} labels on every series (a textfile; a Pushgateway
     *                 adds its grouping key instead)
     */
    static PrometheusMeterRegistry of(Figures f, boolean labelled) {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (labelled) {
            r.config().commonTags("dataset", f.dataset(), "run_id", f.runId());
        }
        gauge(
                r,
                "imagegen.run.status",
                "1 for the execution's status (STARTED while it runs)",
                null,
                () -> 1,
                Tags.of("status", f.status()));
        gauge(
                r,
                "imagegen.run.execution.id",
                "the job execution id of the run's latest execution",
                null,
                f::executionId,
                Tags.empty());
        timestamp(r, "imagegen.run.start", "when the execution started", f.started());
        if (f.ended()) {
            gauge(
                    r,
                    "imagegen.run.exit.code",
                    "the command's exit code: 0 completed, 1 failed, 3 stopped",
                    null,
                    f::exitCode,
                    Tags.empty());
            timestamp(r, "imagegen.run.end", "when the execution ended", f.endedAt());
        }
        counter(r, "imagegen.images", "images written by the run, adopted ones included", f.images(), Tags.empty());
        counter(
                r,
                "imagegen.images.adopted",
                "images found on disk after a crash and recorded without a call",
                f.adopted(),
                Tags.empty());
        for (String kind : skipKinds(f.skippedByKind())) {
            counter(
                    r,
                    "imagegen.skipped",
                    "prompt variants skipped and recorded in prompt_failure, by kind",
                    f.skippedByKind().getOrDefault(kind, 0L),
                    Tags.of("kind", kind));
        }
        counter(
                r,
                "imagegen.rows.rejected",
                "source rows that could not become prompts (source_reject)",
                f.rowsRejected(),
                Tags.empty());
        counter(
                r,
                "imagegen.calls",
                "model calls by outcome: success, or the kind they failed with",
                f.successfulCalls(),
                Tags.of("outcome", "success"));
        for (String kind : skipKinds(f.failedCallsByKind())) {
            counter(
                    r,
                    "imagegen.calls",
                    "model calls by outcome: success, or the kind they failed with",
                    f.failedCallsByKind().getOrDefault(kind, 0L),
                    Tags.of("outcome", kind));
        }
        Map<String, Long> retries = new LinkedHashMap<>();
        for (FailureKind k : FailureKind.values()) {
            if (k.action() == FailureKind.Action.RETRY) {
                retries.put(k.id(), 0L);
            }
        }
        retries.putAll(f.retriesByKind());
        retries.forEach((kind, n) -> counter(
                r,
                "imagegen.retries",
                "attempts retried, by the kind of failure that was retried",
                n,
                Tags.of("kind", kind)));
        gauge(
                r,
                "imagegen.cost",
                "what the run has cost (USD), as its report counts it",
                "usd",
                f::costUsd,
                Tags.empty());
        gauge(
                r,
                "imagegen.cost.estimated",
                "the part of imagegen_cost_usd that was estimated, not billed as such",
                "usd",
                f::costEstimatedUsd,
                Tags.empty());
        if (f.budgetLeftUsd() != null) {
            gauge(
                    r,
                    "imagegen.budget.left",
                    "what is left of run.max-cost-usd (USD)",
                    "usd",
                    f::budgetLeftUsd,
                    Tags.empty());
        }
        if (f.imagesLeft() != null) {
            gauge(
                    r,
                    "imagegen.budget.images.left",
                    "what is left of run.max-images",
                    null,
                    f::imagesLeft,
                    Tags.empty());
        }
        if (f.planned() != null) {
            gauge(
                    r,
                    "imagegen.images.planned",
                    "images the execution set out to make when its generate step " + "started",
                    null,
                    f::planned,
                    Tags.empty());
        }
        gauge(
                r,
                "imagegen.images.per.second",
                "the execution's pace since its generate step started",
                null,
                f::imagesPerSecond,
                Tags.empty());
        if (f.lastSuccess() != null) {
            timestamp(r, "imagegen.last.success", "when the run last stored a generated image", f.lastSuccess());
        }
        Timer latency = Timer.builder("imagegen.call.latency")
                .description("model calls of the run by latency, retries and waits included")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(r);
        f.latencyMs().forEach((ms, n) -> {
            for (long i = 0; i < n; i++) {
                latency.record(ms, TimeUnit.MILLISECONDS);
            }
        });
        return r;
    }

    /** Every kind a variant can be skipped with, so that dashboards see zeros rather than no series. */
    private static Iterable<String> skipKinds(Map<String, Long> seen) {
        Map<String, Boolean> kinds = new LinkedHashMap<>();
        for (FailureKind k : FailureKind.values()) {
            if (k.action() != FailureKind.Action.STOP) {
                kinds.put(k.id(), true);
            }
        }
        seen.keySet().forEach(k -> kinds.put(k, true));
        return kinds.keySet();
    }

    private static void counter(PrometheusMeterRegistry r, String name, String help, long value, Tags tags) {
        Counter.builder(name).description(help).tags(tags).register(r).increment(value);
    }

    private static void gauge(
            PrometheusMeterRegistry r, String name, String help, String unit, Supplier<Number> value, Tags tags) {
        Gauge.builder(name, value)
                .description(help)
                .baseUnit(unit)
                .tags(tags)
                .strongReference(true)
                .register(r);
    }

    private static void timestamp(PrometheusMeterRegistry r, String name, String help, Instant t) {
        gauge(r, name + ".timestamp", help + " (Unix time)", "seconds", () -> t.toEpochMilli() / 1000.0, Tags.empty());
    }
}
