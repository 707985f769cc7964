package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.run.Errors;

/** What a command prints when it cannot do its work, and the exit code that goes with it. */
final class Console {

    private Console() {}

    /** A job-file or usage problem (its message names the key or option): exit 2. */
    static int usage(Exception e) {
        System.err.println("imagegen: " + e.getMessage());
        return ExitCode.USAGE;
    }

    /** The source (or another outside system) cannot be reached: exit 1. */
    static int unavailable(Exception e) {
        System.err.println("imagegen: " + e.getMessage());
        return ExitCode.FAILED;
    }

    /** An unexpected failure: one line with its root cause, never a stack trace; exit 1. */
    static int failed(String what, Throwable e) {
        System.err.println("imagegen: " + what + "failed: " + Errors.describe(e));
        return ExitCode.FAILED;
    }
}
