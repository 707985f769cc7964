package dev.imagegen.limits;

/**
 * {@code run.circuit-breaker}: stops the run (restartable) when, among the last {@code window} calls, at least
 * {@code failure-rate} failed in a way that points at the provider rather than at the row — an outage should not
 * burn the skip limit on healthy rows. A count-based sliding window (a ring of the last outcomes); a window of 0 is
 * off.
 */
public final class CircuitBreaker {

    private final StopSignal signal;
    private double failureRate;
    private boolean[] recent = new boolean[0];
    private int count;
    private int next;
    private int failures;

    CircuitBreaker(StopSignal signal) {
        this.signal = signal;
    }

    synchronized void reset(int window, double failureRate) {
        this.failureRate = failureRate;
        recent = new boolean[window];
        count = 0;
        next = 0;
        failures = 0;
    }

    /**
     * Feeds the breaker with the outcome of one call: {@code providerTrouble} is true for failures that point at the
     * provider. Trips (a restartable stop) when the window is full and its failure rate reaches the limit.
     */
    public synchronized void record(boolean providerTrouble) {
        if (recent.length == 0) {
            return;
        }
        if (count == recent.length && recent[next]) {
            failures--;
        }
        recent[next] = providerTrouble;
        if (providerTrouble) {
            failures++;
        }
        next = (next + 1) % recent.length;
        count = Math.min(count + 1, recent.length);
        if (count == recent.length && failures >= Math.ceil(failureRate * recent.length)) {
            signal.stop("the provider seems to be failing: " + failures + " of the last " + recent.length
                    + " calls failed (circuit breaker, run.circuit-breaker). Restart the run when it has recovered");
        }
    }
}
