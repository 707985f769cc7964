package dev.imagegen.generate;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import dev.imagegen.spec.RunSpec;

/**
 * The run-wide state every partition consults before it spends money: counters, the skip limit, the budget, and
 * the decision to stop (restartable, exit 3) or to fail (exit 1). One per job execution, reset when a run starts.
 */
public final class RunGuard {

    /** Why a run ends early. STOP reasons leave it STOPPED; FAIL reasons leave it FAILED. */
    public enum Ending { NONE, STOP, FAIL }

    private volatile RunSpec spec;
    private volatile Ending ending = Ending.NONE;
    private volatile String reason;
    private final DoubleAdder cost = new DoubleAdder();
    private final LongAdder images = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final AtomicInteger skips = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();
    private long reserved;
    private final Map<String, AtomicInteger> skipsByKind = new ConcurrentHashMap<>();
    /** What this process has written to the database (remote mode compares it with the run's totals there). */
    private final DoubleAdder committedCost = new DoubleAdder();
    private final LongAdder committedImages = new LongAdder();
    private final LongAdder committedSkips = new LongAdder();
    /** The rest of the run: what other workers have written. Always zero in local mode. */
    private volatile Totals elsewhere = Totals.ZERO;
    private boolean[] recent = new boolean[0];
    private int recentCount;
    private int recentNext;
    private int recentFailures;
    private volatile long expected = -1;
    private volatile long expectedSince;

    public synchronized void reset(RunSpec spec) {
        this.spec = spec;
        this.ending = Ending.NONE;
        this.reason = null;
        cost.reset();
        images.reset();
        retries.reset();
        skips.set(0);
        calls.set(0);
        reserved = 0;
        skipsByKind.clear();
        committedCost.reset();
        committedImages.reset();
        committedSkips.reset();
        elsewhere = Totals.ZERO;
        recent = new boolean[spec.circuitBreaker().window()];
        recentCount = 0;
        recentNext = 0;
        recentFailures = 0;
        expected = -1;
    }

    /**
     * Feeds the circuit breaker with the outcome of one call: {@code providerTrouble} is true for failures that
     * point at the provider rather than at the row. Trips (a restartable stop) when the recent window is full and
     * its failure rate reaches the limit.
     */
    public synchronized void recordCallOutcome(boolean providerTrouble) {
        if (recent.length == 0) {
            return;
        }
        if (recentCount == recent.length && recent[recentNext]) {
            recentFailures--;
        }
        recent[recentNext] = providerTrouble;
        if (providerTrouble) {
            recentFailures++;
        }
        recentNext = (recentNext + 1) % recent.length;
        recentCount = Math.min(recentCount + 1, recent.length);
        RunSpec.CircuitBreaker cb = spec.circuitBreaker();
        if (recentCount == recent.length && recentFailures >= Math.ceil(cb.failureRate() * recent.length)) {
            stop("the provider seems to be failing: " + recentFailures + " of the last " + recent.length
                    + " calls failed (circuit breaker, run.circuit-breaker). Restart the run when it has recovered");
        }
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

    /** Images stored by this execution so far, adopted ones included (remote: by every worker). */
    public long images() {
        return images.sum() + elsewhere.images();
    }

    /** Calls skipped by this execution so far (remote: by every worker). */
    public long skips() {
        return skips.get() + elsewhere.skips();
    }

    /**
     * Checked before every model call that may bring {@code images} images: false once the run is ending, the budget
     * is spent, or max-images would be passed counting the calls already in flight (so it is never overshot).
     * A true answer reserves the images until {@link #callFinished}.
     */
    public synchronized boolean mayCall(int images) {
        if (ending != Ending.NONE || !withinLimits()) {
            return false;
        }
        reserved += images;
        calls.incrementAndGet();
        return true;
    }

    /**
     * Stops the run (and answers false) once the budget is spent or max-images would be passed counting the calls in
     * flight. A remote run's manager asks it with the run's totals from the database, to name the reason.
     */
    public synchronized boolean withinLimits() {
        RunSpec s = spec;
        Totals other = elsewhere;
        double spent = cost.sum() + other.costUsd();
        if (s.maxCostUsd() != null && spent >= s.maxCostUsd()) {
            stop(String.format("budget reached: spent $%.4f of run.max-cost-usd $%.2f", spent, s.maxCostUsd()));
            return false;
        }
        if (s.maxImages() != null && this.images.sum() + reserved + other.images() >= s.maxImages()) {
            // Counting the calls in flight, so the limit is never overshot (if one of them fails, the run ends a
            // little under it; the restart makes up the difference).
            stop("run.max-images reached (" + s.maxImages() + " images)");
            return false;
        }
        return true;
    }

    /** Releases what {@link #mayCall} reserved, once the call's images are counted (or the call failed). */
    public synchronized void callFinished(int images) {
        reserved -= images;
    }

    public void recordImage(double costUsd) {
        images.increment();
        cost.add(costUsd);
    }

    public void recordCost(double costUsd) {
        cost.add(costUsd);
    }

    public void recordRetry() {
        retries.increment();
    }

    /** Counts a skipped call; past {@code run.skip-limit} the run fails, naming the commonest kinds. */
    public void recordSkip(String kind) {
        skipsByKind.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        long n = skips.incrementAndGet() + elsewhere.skips();
        if (n > spec.skipLimit()) {
            fail("more than run.skip-limit (" + spec.skipLimit() + ") prompts were skipped; most were "
                    + topKinds() + ". Look at the prompt_failure rows, fix the cause, then rerun-failed");
        }
    }

    /** Called by the writer once a chunk's rows are committed: their cost (not adopted), images and failures. */
    public void recordCommitted(double costUsd, long imageRows, long failureRows) {
        committedCost.add(costUsd);
        committedImages.add(imageRows);
        committedSkips.add(failureRows);
    }

    /** What this process has committed so far; read it just before reading the run's totals from the database. */
    public Totals committed() {
        return new Totals(committedCost.sum(), committedImages.sum(), committedSkips.sum());
    }

    /**
     * Remote mode: the run's totals as the database has them (every worker's committed rows), with what this process
     * had committed when they were read. The difference is the rest of the run, which {@link #mayCall()} and the skip
     * limit add to this process's own counters (which include its calls not written yet).
     */
    public void shareRunTotals(Totals run, Totals committedBefore) {
        elsewhere = new Totals(Math.max(0, run.costUsd() - committedBefore.costUsd()),
                Math.max(0, run.images() - committedBefore.images()),
                Math.max(0, run.skips() - committedBefore.skips()));
        if (spec != null && run.skips() > spec.skipLimit()) {
            fail("more than run.skip-limit (" + spec.skipLimit() + ") prompts were skipped across the workers"
                    + (skipsByKind.isEmpty() ? "" : "; here most were " + topKinds())
                    + ". Look at the prompt_failure rows, fix the cause, then rerun-failed");
        }
    }

    /** Cost, images and skipped calls of a run, or of part of it. */
    public record Totals(double costUsd, long images, long skips) {
        public static final Totals ZERO = new Totals(0, 0, 0);
    }

    public synchronized void stop(String why) {
        if (ending == Ending.NONE) {
            ending = Ending.STOP;
            reason = why;
        }
    }

    public synchronized void fail(String why) {
        if (ending != Ending.FAIL) {
            ending = Ending.FAIL;
            reason = why;
        }
    }

    public Ending ending() {
        return ending;
    }

    public String reason() {
        return reason;
    }

    public long retries() {
        return retries.sum();
    }

    public double cost() {
        return cost.sum() + elsewhere.costUsd();
    }

    String topKinds() {
        return skipsByKind.entrySet().stream()
                .sorted((a, b) -> b.getValue().get() - a.getValue().get())
                .limit(3)
                .map(e -> e.getKey() + " (" + e.getValue().get() + ")")
                .collect(Collectors.joining(", "));
    }

    public Map<String, Integer> skipsByKind() {
        return skipsByKind.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(),
                (a, b) -> a, TreeMap::new));
    }
}
