package dev.imagegen.generate;

import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The run-wide state every partition consults before it spends money: counters, the skip limit, the budget, and
 * the decision to stop (restartable, exit 3) or to fail (exit 1). One per job execution, reset when a run starts.
 *
 * <p>The budget ({@code run.max-cost-usd}) and {@code run.max-images} belong to the run, not to one execution: the
 * spend and images of the run's earlier executions (from the ledger, {@code model_call}) are counted from the start
 * ({@link #reset(RunSpec, Totals)}), so a restart goes on with what is left. Every attempt's cost is counted the
 * moment it ends ({@link #recordAttempt}), including the estimate of a call whose answer never came.
 *
 * <p>It is also the retry loop's {@link RetryingImageModel.RunStop}: a stop wakes every waiting retry at once.
 */
public final class RunGuard implements RetryingImageModel.RunStop {

    /** Why a run ends early. STOP reasons leave it STOPPED; FAIL reasons leave it FAILED. */
    public enum Ending {
        NONE,
        STOP,
        FAIL
    }

    /**
     * What stopped a run, where it matters to whoever restarts it: the scheduler restarts none that stopped for a
     * reason a restart cannot fix by itself (see {@link #needsAPerson()}).
     */
    public enum Cause {
        BUDGET("budget"),
        MAX_IMAGES("max-images"),
        AUTH("refused key"),
        CREDITS("no credits"),
        OTHER("other");

        /** Marks the cause in the execution's exit description, where the scheduler and {@code status} read it. */
        public static final String MARK = "[imagegen stop: ";

        private final String label;

        Cause(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** A restart would only stop again (or spend what nobody allowed) until someone changes something. */
        public boolean needsAPerson() {
            return this != OTHER;
        }

        public String mark() {
            return MARK + label + "]";
        }

        /** The cause marked in an exit description, or null. */
        public static Cause in(String exitDescription) {
            if (exitDescription == null) {
                return null;
            }
            for (Cause c : values()) {
                if (exitDescription.contains(c.mark())) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final Duration MAX_WAIT = Duration.ofDays(1);

    private volatile RunSpec spec;
    private volatile Ending ending = Ending.NONE;
    private volatile String reason;
    private volatile Cause cause;
    /** What the run's earlier executions spent and stored (the ledger), counted against the run's limits. */
    private volatile Totals prior = Totals.ZERO;

    private final List<Runnable> wakers = new CopyOnWriteArrayList<>();
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
        reset(spec, Totals.ZERO);
    }

    /** @param prior what the run's earlier executions spent and stored: the run's limits count it */
    public synchronized void reset(RunSpec spec, Totals prior) {
        this.spec = spec;
        this.prior = prior == null ? Totals.ZERO : prior;
        this.ending = Ending.NONE;
        this.reason = null;
        this.cause = null;
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

    /** Images the run stored, its earlier executions included: what run.max-images counts. */
    public long runImages() {
        return images() + prior.images();
    }

    /** Calls skipped by this execution so far (remote: by every worker). */
    public long skips() {
        return skips.get() + elsewhere.skips();
    }

    /**
     * Checked before every model call that may bring up to {@code images} images: 0 once the run is ending or the
     * budget is spent; else how many images the call may ask for — {@code min(images, what max-images leaves)},
     * counting the calls already in flight, so the limit is never overshot. The answer is reserved until
     * {@link #callFinished}.
     */
    public synchronized int mayCall(int images) {
        if (ending != Ending.NONE || !withinLimits()) {
            return 0;
        }
        int granted = images;
        if (spec.maxImages() != null) {
            long left = spec.maxImages() - (this.images.sum() + reserved + elsewhere.images() + prior.images());
            granted = (int) Math.max(0, Math.min(images, left));
            if (granted == 0) {
                stopFor(Cause.MAX_IMAGES, "run.max-images reached (" + spec.maxImages() + " images)");
                return 0;
            }
        }
        reserved += granted;
        calls.incrementAndGet();
        return granted;
    }

    /**
     * More images of an answer than were asked for (a provider may return extra): how many of {@code extra} may be
     * kept within max-images; they are reserved like the call's own until {@link #callFinished}.
     */
    public synchronized int mayKeepMore(int extra) {
        if (spec.maxImages() == null) {
            reserved += extra;
            return extra;
        }
        long left = spec.maxImages() - (this.images.sum() + reserved + elsewhere.images() + prior.images());
        int granted = (int) Math.max(0, Math.min(extra, left));
        reserved += granted;
        return granted;
    }

    /**
     * Stops the run (and answers false) once the budget is spent or max-images would be passed counting the calls in
     * flight. A remote run's manager asks it with the run's totals from the database, to name the reason.
     */
    public synchronized boolean withinLimits() {
        if (!withinBudget()) {
            return false;
        }
        RunSpec s = spec;
        if (s.maxImages() != null
                && this.images.sum() + reserved + elsewhere.images() + prior.images() >= s.maxImages()) {
            // Counting the calls in flight, so the limit is never overshot (if one of them fails, the run ends a
            // little under it; the restart makes up the difference).
            stopFor(Cause.MAX_IMAGES, "run.max-images reached (" + s.maxImages() + " images)");
            return false;
        }
        return true;
    }

    /** Stops the run (and answers false) once the run's spend, all its executions counted, reached the budget. */
    private synchronized boolean withinBudget() {
        RunSpec s = spec;
        double spent = cost();
        if (s.maxCostUsd() != null && spent >= s.maxCostUsd()) {
            stopFor(
                    Cause.BUDGET,
                    String.format(
                            "budget reached: the run spent $%.4f of run.max-cost-usd $%.2f", spent, s.maxCostUsd()));
            return false;
        }
        return true;
    }

    /** The retry loop asks before every retry: the run is ending, or its budget is spent. */
    @Override
    public boolean stopping() {
        if (ending != Ending.NONE) {
            return true;
        }
        return spec != null && !withinBudget();
    }

    /** Waits {@code d}, ending at once when the run stops ({@link #stop} wakes it). */
    @Override
    public synchronized boolean awaitStop(Duration d) throws InterruptedException {
        // Bounded so that no hint, however large, overflows the clock arithmetic.
        long deadline =
                System.nanoTime() + (d.isNegative() ? 0 : d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT.toNanos() : d.toNanos());
        long left;
        while (ending == Ending.NONE && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return ending != Ending.NONE;
    }

    /** {@code r} runs whenever the run stops or fails (e.g. to open the provider pause at once). */
    public void onStop(Runnable r) {
        wakers.add(r);
    }

    /** Counts an attempt's cost the moment it ends: the budget sees it before the next call anywhere. */
    public void recordAttempt(CallAttempt attempt) {
        cost.add(attempt.costUsd());
    }

    /** Releases what {@link #mayCall} reserved, once the call's images are counted (or the call failed). */
    public synchronized void callFinished(int images) {
        reserved -= images;
    }

    public void recordImage(double costUsd) {
        images.increment();
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
            fail("more than run.skip-limit (" + spec.skipLimit() + ") prompts were skipped; most were " + topKinds()
                    + ". Look at the prompt_failure rows, fix the cause, then rerun-failed");
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
        // The run's cost and images span its executions; the earlier ones are already in `prior`.
        Totals p = prior;
        elsewhere = new Totals(
                Math.max(0, run.costUsd() - committedBefore.costUsd() - p.costUsd()),
                Math.max(0, run.images() - committedBefore.images() - p.images()),
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

    public void stop(String why) {
        stopFor(Cause.OTHER, why);
    }

    /** Stops the run for a cause the scheduler and {@code status} must know (budget, key, credits, ...). */
    public void stopFor(Cause why, String message) {
        synchronized (this) {
            if (ending != Ending.NONE) {
                return;
            }
            ending = Ending.STOP;
            reason = message;
            cause = why;
            notifyAll();
        }
        wakers.forEach(Runnable::run);
    }

    public void fail(String why) {
        synchronized (this) {
            if (ending == Ending.FAIL) {
                return;
            }
            ending = Ending.FAIL;
            reason = why;
            notifyAll();
        }
        wakers.forEach(Runnable::run);
    }

    /** What stopped the run, when it stopped (null otherwise). */
    public Cause cause() {
        return ending == Ending.STOP ? cause : null;
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

    /** The run's spend: this execution's attempts, other workers' (remote) and the run's earlier executions'. */
    public double cost() {
        return cost.sum() + elsewhere.costUsd() + prior.costUsd();
    }

    /** What the run's earlier executions spent and stored. */
    public Totals prior() {
        return prior;
    }

    String topKinds() {
        return skipsByKind.entrySet().stream()
                .sorted((a, b) -> b.getValue().get() - a.getValue().get())
                .limit(3)
                .map(e -> e.getKey() + " (" + e.getValue().get() + ")")
                .collect(Collectors.joining(", "));
    }

    public Map<String, Integer> skipsByKind() {
        return skipsByKind.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(), (a, b) -> a, TreeMap::new));
    }
}
