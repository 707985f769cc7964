package dev.imagegen.limits;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * What a run has done so far, as the progress display, the metrics and the limits read it: images, skipped calls,
 * retries and spend of this execution, plus what the rest of the run did — its earlier executions ({@link #prior()},
 * from the ledger) and, in a remote run, the other workers ({@link #elsewhere(Totals)}). Lock-free: every call
 * counts here.
 */
public final class RunCounters {

    private final DoubleAdder cost = new DoubleAdder();
    private final LongAdder images = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final AtomicInteger skips = new AtomicInteger();
    private final Map<String, AtomicInteger> skipsByKind = new ConcurrentHashMap<>();
    /** What the run's earlier executions spent and stored (the ledger), counted against the run's limits. */
    private volatile Totals prior = Totals.ZERO;
    /** The rest of the run: what other workers have written. Always zero in local mode. */
    private volatile Totals elsewhere = Totals.ZERO;

    private volatile long expected = -1;
    private volatile long expectedSince;

    /** A new execution of a run whose earlier executions did {@code prior}. */
    void reset(Totals prior) {
        this.prior = prior == null ? Totals.ZERO : prior;
        cost.reset();
        images.reset();
        retries.reset();
        skips.set(0);
        skipsByKind.clear();
        elsewhere = Totals.ZERO;
        expected = -1;
    }

    /** The work the generate step found pending when it started (images to make), for progress; -1 before. */
    public void expect(long images) {
        this.expectedSince = System.nanoTime();
        this.expected = images;
    }

    /** {@link System#nanoTime()} when the generate step announced its work. */
    public long expectedSince() {
        return expectedSince;
    }

    public long expected() {
        return expected;
    }

    /** An attempt's or an image's cost, the moment it is known. */
    void addCost(double usd) {
        cost.add(usd);
    }

    void addImage(double costUsd) {
        images.increment();
        cost.add(costUsd);
    }

    void addRetry() {
        retries.increment();
    }

    /** Counts a skipped call of {@code kind}; answers the run's skips (remote: every worker's). */
    long addSkip(String kind) {
        skipsByKind.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        return skips.incrementAndGet() + elsewhere.skips();
    }

    /** Remote mode: what the other workers of the run have written (this process's own and earlier runs' not). */
    void elsewhere(Totals others) {
        this.elsewhere = others;
    }

    /** Images stored by this execution so far, adopted ones included (remote: by every worker). */
    public long images() {
        return images.sum() + elsewhere.images();
    }

    /** Images the run stored, its earlier executions included: what run.max-images counts. */
    public long runImages() {
        return images() + prior.images();
    }

    /** Calls skipped by this execution so far (remote: by every worker). */
    public long skips() {
        return skips.get() + elsewhere.skips();
    }

    public long retries() {
        return retries.sum();
    }

    /** The run's spend: this execution's attempts, other workers' (remote) and the run's earlier executions'. */
    public double cost() {
        return cost.sum() + elsewhere.costUsd() + prior.costUsd();
    }

    /** What the run's earlier executions spent and stored. */
    public Totals prior() {
        return prior;
    }

    /** This process's skipped calls by failure kind. */
    public Map<String, Integer> skipsByKind() {
        return skipsByKind.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(), (a, b) -> a, TreeMap::new));
    }

    /** The three commonest kinds of this process's skips, e.g. {@code moderation (7), no_image (2)}. */
    String topKinds() {
        return skipsByKind.entrySet().stream()
                .sorted((a, b) -> b.getValue().get() - a.getValue().get())
                .limit(3)
                .map(e -> e.getKey() + " (" + e.getValue().get() + ")")
                .collect(Collectors.joining(", "));
    }

    boolean anySkips() {
        return !skipsByKind.isEmpty();
    }
}
