package dev.imagegen.run;

/** How a {@code run} command ended, with its exit code (a {@link dev.imagegen.ExitCode}). */
public record RunOutcome(int exitCode, String message, RunSummary summary) {}
