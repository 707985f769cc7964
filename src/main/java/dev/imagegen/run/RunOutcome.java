package dev.imagegen.run;

/** How a {@code run} command ended, with its exit code. */
public record RunOutcome(int exitCode, String message, RunSummary summary) {

    public static final int COMPLETED = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int STOPPED = 3;
    public static final int LOCKED = 4;
}
