package dev.imagegen.plan;

import dev.imagegen.catalog.RunRef;
import dev.imagegen.catalog.Runs;
import dev.imagegen.check.CheckReport;
import dev.imagegen.check.ProviderFacts;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.source.StagedSet;
import dev.imagegen.spec.JobSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@code imagegen plan} and the plan line of {@code run}: what the run would send, cost and take, from the source,
 * the metadata tables and what the capability check learnt ({@link ProviderFacts}). Reads only: no model call, no
 * staging, no lock.
 */
public final class Planner {

    /** Without history: what an image call typically takes (5–60 s). */
    static final Duration ASSUMED_LATENCY = Duration.ofSeconds(30);

    private final JdbcTemplate jdbc;
    private final PlatformTransactionManager transactionManager;
    private final JobSpec spec;
    private final ProviderFacts facts;
    private final int perCall;
    private final CallCostEstimate estimator;

    /**
     * The plan of {@code run} (null: a new run) of a job file in a started context, with what the provider check
     * learnt ({@code check} null: not checked). {@code imagegen plan} prints it; {@code imagegen run} prints its one
     * line.
     */
    public static RunPlan plan(ApplicationContext ctx, JobSpec spec, CheckReport check, String run) {
        return new Planner(
                        ctx.getBean(JdbcTemplate.class),
                        ctx.getBean(PlatformTransactionManager.class),
                        spec,
                        check == null ? ProviderFacts.NONE : check.facts(),
                        spec.model().imagesPerCall())
                .plan(run);
    }

    /**
     * @param perCall images per call as the check found the model takes ({@code CheckReport.imagesPerCall}), or the
     *                job file's when it was not checked
     */
    public Planner(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            JobSpec spec,
            ProviderFacts facts,
            int perCall) {
        this.jdbc = jdbc;
        this.transactionManager = transactionManager;
        this.spec = spec;
        this.facts = facts == null ? ProviderFacts.NONE : facts;
        this.perCall = Math.max(1, spec.model().isPlaceholder() ? 1 : perCall);
        // The run's own estimator: the plan prices a call as the run prices one whose answer states no cost.
        this.estimator = CallCostEstimate.of(spec.model(), catalogue(this.facts.price()), jdbc, spec.dataset());
    }

    /** @param runId the run to be started or restarted, null for a new one */
    public RunPlan plan(String runId) {
        Optional<RunRef> existing = runId == null ? Optional.empty() : new Runs(jdbc).find(spec.dataset(), runId);
        Long instance = existing.map(RunRef::jobInstanceId).orElse(null);
        PromptCensus census = new PromptCensus(jdbc, transactionManager, spec);
        boolean completed = instance != null && lastStatus(instance).equals("COMPLETED");
        boolean restart = instance != null && !completed && staged(instance);
        // Staged already (this run's staging, or a complete one the run will reuse): no need to read the source.
        Optional<Long> staged = restart
                ? Optional.of(StagedSet.instance(jdbc, instance))
                : StagedSet.reusable(jdbc, spec).map(StagedSet.Reuse::instance);
        PromptCensus.Census c =
                staged.isPresent() ? census.fromStaging(staged.get(), instance) : census.fromSource(instance);
        List<String> notes = new ArrayList<>();
        long images = c.images();
        long calls = c.calls(perCall);
        boolean free = spec.model().isPlaceholder();
        CallCostEstimate.Estimate one =
                free ? new CallCostEstimate.Estimate(0, CallCostEstimate.Basis.UNKNOWN) : estimator.perCall(perCall);
        // A prompt's last call may ask for fewer images; price each call as asking for what it asks.
        double cost = 0;
        for (Map.Entry<Integer, Long> e : c.missing().entrySet()) {
            int missing = e.getKey();
            int full = missing / perCall;
            int rest = missing % perCall;
            double prompt = full * one.usd()
                    + (rest == 0 || free ? 0 : estimator.perCall(rest).usd());
            cost += prompt * e.getValue();
        }
        String basis = free ? "the local placeholder model (free)" : basis(one.basis());
        Latency latency = latency();
        // The calls go in waves of run.concurrency; the last wave is as long as a full one.
        long waves = (calls + spec.run().concurrency() - 1) / spec.run().concurrency();
        Duration byConcurrency = latency.perCall().multipliedBy(waves);
        Integer rpm = spec.run().requestsPerMinute();
        Duration byRate = rpm == null ? Duration.ZERO : Duration.ofMillis(calls * 60_000L / rpm);
        Duration time = byConcurrency.compareTo(byRate) >= 0 ? byConcurrency : byRate;
        double spent = instance == null ? 0 : spent(instance);
        List<RunPlan.Stop> stops = new ArrayList<>();
        double perCallUsd = calls == 0 ? one.usd() : cost / calls;
        Double maxCost = spec.run().maxCostUsd();
        if (maxCost != null && cost > maxCost - spent && calls > 0) {
            double left = Math.max(0, maxCost - spent);
            long afterCalls = afterCalls(left, perCallUsd, calls);
            stops.add(new RunPlan.Stop(
                    "run.max-cost-usd",
                    afterCalls,
                    imagesAfter(afterCalls, images, calls),
                    String.format(
                            java.util.Locale.ROOT,
                            "%s left of %s (%s spent), the plan needs about %s",
                            RunPlan.usd(left),
                            RunPlan.usd(maxCost),
                            RunPlan.usd(spent),
                            RunPlan.usd(cost))));
        }
        Double limit = facts.keyLimitRemaining();
        if (limit != null && cost > limit && calls > 0) {
            long afterCalls = afterCalls(limit, perCallUsd, calls);
            stops.add(new RunPlan.Stop(
                    "the key's limit",
                    afterCalls,
                    imagesAfter(afterCalls, images, calls),
                    "limit_remaining " + RunPlan.usd(limit) + " (GET /key), the plan needs about " + RunPlan.usd(cost)
                            + "; then OpenRouter answers 402 and the run stops (exit 3)"));
        }
        Integer maxImages = spec.run().maxImages();
        if (maxImages != null && images > maxImages) {
            long afterCalls = (long) Math.ceil((double) maxImages / Math.max(1, (double) images / calls));
            stops.add(new RunPlan.Stop(
                    "run.max-images", afterCalls, maxImages, maxImages + " images of the " + images + " to make"));
        }
        stops.sort(Comparator.comparingLong(RunPlan.Stop::afterCalls));
        if (!spec.model().isPlaceholder() && facts.keyLimitRemaining() == null && facts.price() == null) {
            notes.add("the provider was not asked (no key, --skip-check, or it could not be reached): the key's "
                    + "limit and the catalogue price are unknown");
        }
        if (spec.run().remote()) {
            notes.add("run.workers: remote: the time assumes run.concurrency calls in flight; with N workers it "
                    + "is about N times shorter");
        }
        return new RunPlan(
                spec.dataset(),
                runId,
                completed,
                restart,
                c,
                spec.model().imagesPerPrompt(),
                perCall,
                images,
                calls,
                cost,
                one.usd(),
                basis,
                free || one.basis() != CallCostEstimate.Basis.UNKNOWN,
                time,
                latency.perCall(),
                latency.basis(),
                spec.run().concurrency(),
                rpm,
                maxCost,
                spent,
                maxImages,
                limit,
                stops,
                notes);
    }

    /** The check's catalogue price as the ledger's estimator takes it (per image, else per token). */
    private static CallCostEstimate.CataloguePrice catalogue(ProviderFacts.CataloguePrice p) {
        return p == null
                ? null
                : new CallCostEstimate.CataloguePrice(p.perOutputImage(), p.promptPerToken(), p.completionPerToken());
    }

    /** The estimate's basis in words, with where the catalogue price was read. */
    private String basis(CallCostEstimate.Basis b) {
        return switch (b) {
            case CATALOGUE ->
                b.label() + (facts.price() == null ? "" : " (" + facts.price().source() + ")");
            case UNKNOWN ->
                "nothing: no model.pricing, no catalogue price (no key, or the check was skipped), no "
                        + "calls of this dataset yet";
            default -> b.label();
        };
    }

    private static long afterCalls(double money, double perCall, long calls) {
        if (perCall <= 0) {
            return calls;
        }
        return Math.min(calls, (long) Math.floor(money / perCall));
    }

    private static long imagesAfter(long afterCalls, long images, long calls) {
        return calls == 0 ? 0 : Math.min(images, Math.round((double) images * afterCalls / calls));
    }

    private record Latency(Duration perCall, String basis) {}

    /** This dataset's mean call time: the ledger's answered calls, else its images' calls, else a typical one. */
    private Latency latency() {
        Double ledger = jdbc.queryForObject(
                "SELECT avg(latency_ms) FROM model_call WHERE dataset = ? "
                        + "AND outcome = 'ok' AND latency_ms IS NOT NULL",
                Double.class,
                spec.dataset());
        if (ledger != null) {
            return new Latency(Duration.ofMillis(Math.round(ledger)), "this dataset's mean so far");
        }
        Double images = jdbc.queryForObject(
                "SELECT avg(latency_ms) FROM generated_image WHERE dataset = ? "
                        + "AND NOT adopted AND latency_ms IS NOT NULL",
                Double.class,
                spec.dataset());
        if (images != null) {
            return new Latency(Duration.ofMillis(Math.round(images)), "this dataset's mean so far");
        }
        if (spec.model().isPlaceholder()) {
            return new Latency(Duration.ofMillis(10), "the local placeholder");
        }
        return new Latency(ASSUMED_LATENCY, "assumed: this dataset has no calls yet");
    }

    private String lastStatus(long instance) {
        return jdbc.query(
                "SELECT status FROM batch_job_execution WHERE job_instance_id = ? "
                        + "ORDER BY job_execution_id DESC LIMIT 1",
                rs -> rs.next() ? rs.getString(1) : "",
                instance);
    }

    private boolean staged(long instance) {
        Long n = jdbc.queryForObject("""
                SELECT count(*) FROM batch_step_execution s
                  JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
                 WHERE e.job_instance_id = ? AND s.step_name = 'stage' AND s.status = 'COMPLETED'""", Long.class, instance);
        return n != null && n > 0;
    }

    /** What the run's earlier executions spent: the ledger's sum over the run (budgets span a run). */
    private double spent(long instance) {
        return Ledger.ofRun(jdbc, instance).totalUsd().doubleValue();
    }
}
