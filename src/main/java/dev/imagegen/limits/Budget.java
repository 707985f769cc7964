package dev.imagegen.limits;

/**
 * {@code run.max-cost-usd} and {@code run.max-images}, which belong to the run: spend and images are the run's
 * ({@link RunCounters}: earlier executions and other workers included). A call reserves the images it may bring
 * before it is sent ({@link #mayCall}) and releases them when they are counted ({@link #callFinished}), so the calls
 * in flight never overshoot max-images. Reaching either limit stops the run, naming the cause.
 */
public final class Budget {

    private final RunCounters counters;
    private final StopSignal signal;
    private Double maxCostUsd;
    private Integer maxImages;
    private long reserved;

    Budget(RunCounters counters, StopSignal signal) {
        this.counters = counters;
        this.signal = signal;
    }

    /** @param maxCostUsd null for no budget; @param maxImages null for no limit */
    synchronized void reset(Double maxCostUsd, Integer maxImages) {
        this.maxCostUsd = maxCostUsd;
        this.maxImages = maxImages;
        reserved = 0;
    }

    /**
     * Checked before every model call that may bring up to {@code images} images: 0 once the run is ending or the
     * budget is spent; else how many images the call may ask for — {@code min(images, what max-images leaves)},
     * counting the calls already in flight, so the limit is never overshot. The answer is reserved until
     * {@link #callFinished}.
     */
    public synchronized int mayCall(int images) {
        if (signal.ending() != StopSignal.Ending.NONE || !withinLimits()) {
            return 0;
        }
        int granted = images;
        if (maxImages != null) {
            granted = (int) Math.max(0, Math.min(images, left()));
            if (granted == 0) {
                stopForMaxImages();
                return 0;
            }
        }
        reserved += granted;
        return granted;
    }

    /**
     * More images of an answer than were asked for (a provider may return extra): how many of {@code extra} may be
     * kept within max-images; they are reserved like the call's own until {@link #callFinished}.
     */
    public synchronized int mayKeepMore(int extra) {
        int granted = maxImages == null ? extra : (int) Math.max(0, Math.min(extra, left()));
        reserved += granted;
        return granted;
    }

    /**
     * An image of a call in flight was stored: it is counted and its reservation released in one step, under the
     * lock the limit checks take, so that no check in between counts it twice (once stored, once reserved), which
     * stopped a run one image short of max-images.
     */
    public synchronized void reservedImageStored() {
        counters.addImage(0);
        reserved--;
    }

    /** Releases what {@link #mayCall} reserved, once the call's images are counted (or the call failed). */
    public synchronized void callFinished(int images) {
        reserved -= images;
    }

    /**
     * Stops the run (and answers false) once the budget is spent or max-images would be passed counting the calls in
     * flight. A remote run's manager asks it with the run's totals from the database, to name the reason.
     */
    public synchronized boolean withinLimits() {
        if (!withinBudget()) {
            return false;
        }
        if (maxImages != null && counters.runImages() + reserved >= maxImages) {
            // Counting the calls in flight, so the limit is never overshot (if one of them fails, the run ends a
            // little under it; the restart makes up the difference).
            stopForMaxImages();
            return false;
        }
        return true;
    }

    /** Stops the run (and answers false) once the run's spend, all its executions counted, reached the budget. */
    public synchronized boolean withinBudget() {
        double spent = counters.cost();
        if (maxCostUsd != null && spent >= maxCostUsd) {
            signal.stopFor(
                    StopSignal.Cause.BUDGET,
                    String.format("budget reached: the run spent $%.4f of run.max-cost-usd $%.2f", spent, maxCostUsd));
            return false;
        }
        return true;
    }

    /** What max-images leaves for new calls, counting the run's images and the calls in flight. */
    private long left() {
        return maxImages - (counters.runImages() + reserved);
    }

    private void stopForMaxImages() {
        signal.stopFor(StopSignal.Cause.MAX_IMAGES, "run.max-images reached (" + maxImages + " images)");
    }
}
