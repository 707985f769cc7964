package dev.imagegen;

import org.springframework.batch.core.BatchStatus;

/**
 * The exit codes of every {@code imagegen} command, in one place (the commands' help footers and the README say
 * which of them each command uses).
 */
public final class ExitCode {

    /** The run completed (or there was nothing to do); the command did what was asked. */
    public static final int COMPLETED = 0;
    /** The run failed (restartable: run the same command again), or the database or source could not be reached. */
    public static final int FAILED = 1;
    /** Bad usage or job file: nothing was started. */
    public static final int USAGE = 2;
    /** The run stopped (budget, max-images, a signal, the provider refused the key or has no credits): restartable. */
    public static final int STOPPED = 3;
    /** Another run of the dataset is in progress (it holds the dataset's lock): nothing was done. */
    public static final int LOCKED = 4;
    /**
     * {@code run --no-wait} with a batch provider: the batches are submitted and still running at the provider; the
     * run is STOPPED and the next run, restart or scheduled slot collects them.
     */
    public static final int WAITING = 5;

    private ExitCode() {}

    /** The exit code of a run whose job execution ended with {@code status}. */
    public static int of(BatchStatus status) {
        return switch (status) {
            case COMPLETED -> COMPLETED;
            case STOPPED, STOPPING -> STOPPED;
            default -> FAILED;
        };
    }
}
