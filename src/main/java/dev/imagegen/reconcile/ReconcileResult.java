package dev.imagegen.reconcile;

import dev.imagegen.ExitCode;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What a reconcile found and changed, per run (job instance) and in total. */
public final class ReconcileResult {

    /** One run's figures. {@code before} and {@code after} sum the settled rows only. */
    public static final class PerRun {
        long found;
        long settled;
        BigDecimal before = BigDecimal.ZERO;
        BigDecimal after = BigDecimal.ZERO;
        long left;
        long unreconcilable;
        BigDecimal unreconcilableCost = BigDecimal.ZERO;

        public long settled() {
            return settled;
        }

        public BigDecimal difference() {
            return after.subtract(before);
        }
    }

    private final String dataset;
    private final Map<Long, PerRun> runs = new TreeMap<>();
    private final Set<String> leftBecause = new TreeSet<>();
    private long throttled;
    private String refused;
    private boolean interrupted;

    ReconcileResult(String dataset) {
        this.dataset = dataset;
    }

    private PerRun run(long instance) {
        return runs.computeIfAbsent(instance, k -> new PerRun());
    }

    void found(long instance) {
        run(instance).found++;
    }

    void settled(long instance, BigDecimal before, BigDecimal after) {
        PerRun r = run(instance);
        r.settled++;
        r.before = r.before.add(before);
        r.after = r.after.add(after);
    }

    void left(long instance, String why) {
        run(instance).left++;
        leftBecause.add(why);
    }

    void unreconcilable(long instance, long calls, BigDecimal cost) {
        PerRun r = run(instance);
        r.unreconcilable += calls;
        r.unreconcilableCost = r.unreconcilableCost.add(cost);
    }

    void throttled() {
        throttled++;
    }

    void refused(String message) {
        refused = message;
    }

    void interrupted() {
        interrupted = true;
    }

    public Map<Long, PerRun> runs() {
        return runs;
    }

    public long settled() {
        return runs.values().stream().mapToLong(r -> r.settled).sum();
    }

    public long left() {
        return runs.values().stream().mapToLong(r -> r.left).sum();
    }

    public BigDecimal difference() {
        return runs.values().stream().map(PerRun::difference).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** 3 when the key was refused; 1 when rows are left for a later reconcile; else 0. */
    public int exitCode() {
        if (refused != null) {
            return ExitCode.STOPPED;
        }
        return left() > 0 || interrupted ? ExitCode.FAILED : ExitCode.COMPLETED;
    }

    /** The table (one line per run, and the total) and what is left, with what to do about it. */
    public String render(Map<Long, String> runIds) {
        StringBuilder out = new StringBuilder();
        long found = runs.values().stream().mapToLong(r -> r.found).sum();
        long unreconcilable =
                runs.values().stream().mapToLong(r -> r.unreconcilable).sum();
        out.append(String.format(
                Locale.ROOT,
                "reconcile: dataset %s, %d call%s with an estimated cost and a " + "generation id, %d without one%n",
                dataset,
                found,
                found == 1 ? "" : "s",
                unreconcilable));
        if (runs.isEmpty()) {
            out.append("  nothing to reconcile: every recorded cost is the provider's own figure\n");
            return out.toString();
        }
        out.append(String.format(
                Locale.ROOT,
                "  %-24s %6s %10s %11s %11s %11s %6s%n",
                "run",
                "calls",
                "reconciled",
                "estimated",
                "billed",
                "difference",
                "left"));
        PerRun total = new PerRun();
        for (Map.Entry<Long, PerRun> e : runs.entrySet()) {
            PerRun r = e.getValue();
            out.append(line(runIds.getOrDefault(e.getKey(), "instance " + e.getKey()), r));
            total.found += r.found;
            total.settled += r.settled;
            total.before = total.before.add(r.before);
            total.after = total.after.add(r.after);
            total.left += r.left;
            total.unreconcilable += r.unreconcilable;
            total.unreconcilableCost = total.unreconcilableCost.add(r.unreconcilableCost);
        }
        out.append(line("total", total));
        if (total.unreconcilable > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "  not reconcilable: %d call%s whose answer never arrived (no "
                            + "generation id to ask for), counted at %s possibly billed; %s estimated%n",
                    total.unreconcilable,
                    total.unreconcilable == 1 ? "" : "s",
                    usd(total.unreconcilableCost),
                    total.unreconcilable == 1 ? "it stays" : "they stay"));
        }
        if (throttled > 0) {
            out.append("  OpenRouter asked to slow down " + throttled + " time" + (throttled == 1 ? "" : "s")
                    + " (HTTP 429); its Retry-After was waited out\n");
        }
        if (refused != null) {
            out.append("  stopped: " + refused + ". Check the key (model.api-key), then run reconcile again\n");
        } else if (interrupted) {
            out.append("  interrupted: run reconcile again to continue (settled calls are not asked again)\n");
        } else if (total.left > 0) {
            out.append("  left for later: " + total.left + " call" + (total.left == 1 ? "" : "s") + " ("
                    + String.join("; ", leftBecause) + "); run reconcile again later\n");
        }
        return out.toString();
    }

    private static String line(String run, PerRun r) {
        return String.format(
                Locale.ROOT,
                "  %-24s %6d %10d %11s %11s %11s %6d%n",
                run,
                r.found,
                r.settled,
                usd(r.before),
                usd(r.after),
                signed(r.difference()),
                r.left);
    }

    static String usd(BigDecimal v) {
        return String.format(Locale.ROOT, "$%.4f", v);
    }

    private static String signed(BigDecimal v) {
        return (v.signum() < 0 ? "-" : "+") + usd(v.abs());
    }
}
