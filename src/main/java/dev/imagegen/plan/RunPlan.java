package dev.imagegen.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run would do, before it does anything: the prompts by state, the images and calls it would make, what
 * that would cost (and on what the estimate rests), how long it would take, and which limit would stop it first.
 *
 * @param run         the run id, or null for a new run
 * @param completed   the run already completed: a start of it does nothing
 * @param restart     the run exists and its staging is done: it sends what its own staging left pending
 * @param perCall     how many images one call asks for
 * @param cost        the estimated cost of the whole plan, or of nothing when there is nothing to make
 * @param perCallCost the estimated cost of one call of {@code perCall} images
 * @param costBasis   what the estimate rests on ({@code dev.imagegen.ledger.CallCostEstimate}'s basis), in words
 * @param costKnown   false when nothing could price a call (the cost is then unknown, not zero)
 * @param latency     the time one call takes (history or assumed), {@code latencyBasis} says which
 * @param spent       what the run already spent (its earlier executions), 0 for a new run
 * @param stops       the limits that stop the run before it is done, the first one first
 * @param notes       anything else worth knowing (unknown key limit, a check problem)
 */
public record RunPlan(
        String dataset,
        String run,
        boolean completed,
        boolean restart,
        PromptCensus.Census census,
        int imagesPerPrompt,
        int perCall,
        long images,
        long calls,
        double cost,
        double perCallCost,
        String costBasis,
        boolean costKnown,
        Duration time,
        Duration latency,
        String latencyBasis,
        int concurrency,
        Integer requestsPerMinute,
        Double maxCostUsd,
        double spent,
        Integer maxImages,
        Double keyLimitRemaining,
        List<Stop> stops,
        List<String> notes) {

    public RunPlan {
        stops = List.copyOf(stops);
        notes = List.copyOf(notes);
    }

    /** A limit that ends the run early: after about {@code afterCalls} calls, with {@code images} images made. */
    public record Stop(String limit, long afterCalls, long images, String why) {}

    /** The whole plan, one figure a line. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("plan: dataset ")
                .append(dataset)
                .append(", ")
                .append(runName())
                .append('\n');
        if (completed) {
            out.append("  run ")
                    .append(run)
                    .append(" already completed: starting it again does nothing (a new run " + "id is a new run)\n");
            return out.toString();
        }
        PromptCensus.Census c = census;
        if (restart) {
            out.append(String.format(
                    Locale.ROOT,
                    "  source      not read: run %s staged it already; a restart "
                            + "sends what that staging left pending (%d prompts)%n",
                    run,
                    c.prompts()));
        } else {
            out.append(String.format(
                    Locale.ROOT,
                    "  source      %d row%s: %d prompt%s, %d rejected (bad rows, " + "duplicate ids)%n",
                    c.rows(),
                    plural(c.rows()),
                    c.prompts(),
                    plural(c.prompts()),
                    c.rejected()));
        }
        out.append(String.format(
                Locale.ROOT,
                "  staged      %d prompt%s in the database%s%n",
                c.staged(),
                plural(c.staged()),
                c.gone() == 0 ? "" : " (" + c.gone() + " no longer in the source, not sent)"));
        out.append(String.format(
                Locale.ROOT,
                "  prompts     %d new, %d changed, %d with an unresolved failure, "
                        + "%d waiting (staged, never generated), %d done%n",
                c.fresh(),
                c.changed(),
                c.failed(),
                c.waiting(),
                c.done()));
        if (c.skippedInRun() > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "              %d failed for good earlier in this run: its "
                            + "restart does not send them again (rerun-failed does)%n",
                    c.skippedInRun()));
        }
        out.append(String.format(
                Locale.ROOT,
                "  to make     %d image%s for %d prompt%s (images-per-prompt %d), in "
                        + "%d call%s of up to %d image%s%n",
                images,
                plural(images),
                c.toSend(),
                plural(c.toSend()),
                imagesPerPrompt,
                calls,
                plural(calls),
                perCall,
                plural(perCall)));
        if (costKnown) {
            out.append(String.format(
                    Locale.ROOT,
                    "  cost        about %s: $%.6f per call, from %s%n",
                    usd(cost),
                    perCallCost,
                    costBasis));
        } else {
            out.append("  cost        unknown: nothing to price a call with (" + costBasis.replace("nothing: ", "")
                    + "); set model.pricing, or give the key so that the catalogue is asked\n");
        }
        out.append(String.format(
                Locale.ROOT,
                "  time        about %s: %d call%s at concurrency %d, %s per call " + "(%s)%s%n",
                duration(time),
                calls,
                plural(calls),
                concurrency,
                duration(latency),
                latencyBasis,
                requestsPerMinute == null ? "" : ", at most " + requestsPerMinute + " requests per minute"));
        if (maxCostUsd != null) {
            out.append(String.format(
                    Locale.ROOT,
                    "  budget      run.max-cost-usd %s, %s spent by this run so " + "far, %s left%n",
                    usd(maxCostUsd),
                    usd(spent),
                    usd(Math.max(0, maxCostUsd - spent))));
        } else {
            out.append("  budget      no run.max-cost-usd\n");
        }
        if (keyLimitRemaining != null) {
            out.append(String.format(
                    Locale.ROOT, "  key limit   %s left on the key (GET /key)%n", usd(keyLimitRemaining)));
        }
        if (stops.isEmpty()) {
            out.append("  stops       none: the limits leave room for the whole plan\n");
        } else {
            for (int i = 0; i < stops.size(); i++) {
                Stop s = stops.get(i);
                out.append(String.format(
                        Locale.ROOT,
                        "  %-11s %s stops the run after about %d of %d calls " + "(%d image%s): %s%n",
                        i == 0 ? "stops first" : "then",
                        s.limit(),
                        s.afterCalls(),
                        calls,
                        s.images(),
                        plural(s.images()),
                        s.why()));
            }
        }
        for (String note : notes) {
            out.append("  note        ").append(note).append('\n');
        }
        out.append("nothing was staged, sent or paid: the source and the database were only read\n");
        return out.toString();
    }

    /** The plan in one line, for the start of {@code imagegen run}. */
    public String oneLine() {
        if (completed) {
            return "run " + run + " already completed; nothing to do";
        }
        PromptCensus.Census c = census;
        List<String> parts = new ArrayList<>();
        parts.add(String.format(
                Locale.ROOT,
                "%d image%s in %d call%s (%d new, %d changed, %d failed, %d waiting, " + "%d done)",
                images,
                plural(images),
                calls,
                plural(calls),
                c.fresh(),
                c.changed(),
                c.failed(),
                c.waiting(),
                c.done()));
        parts.add(costKnown ? "about " + usd(cost) + " (" + shortBasis() + ")" : "cost unknown");
        parts.add("about " + duration(time));
        String line = String.join(", ", parts);
        if (!stops.isEmpty()) {
            Stop s = stops.get(0);
            line += "; " + s.limit() + " stops it after about " + s.afterCalls() + " calls";
        }
        return line;
    }

    private String shortBasis() {
        return costBasis.startsWith("the provider's catalogue")
                ? "catalogue pricing"
                : costBasis.startsWith("model.pricing")
                        ? "model.pricing"
                        : costBasis.startsWith("the dataset's") ? "dataset history" : costBasis;
    }

    private String runName() {
        return run == null ? "a new run" : restart ? "restart of run " + run : "run " + run;
    }

    private static String plural(long n) {
        return n == 1 ? "" : "s";
    }

    static String usd(double v) {
        return String.format(Locale.ROOT, "$%.4f", v);
    }

    static String duration(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        if (d.toMillis() < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
        if (s < 3600) {
            return s / 60 == 0 ? s + " s" : s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
}
