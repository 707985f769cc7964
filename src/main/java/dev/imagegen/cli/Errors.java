package dev.imagegen.cli;

import dev.imagegen.support.Causes;

/** One line about an unexpected failure: the root cause's message, never a stack trace on the console. */
final class Errors {

    private Errors() {}

    static String describe(Throwable e) {
        String message = Causes.rootMessage(e);
        return message.length() > 2000 ? message.substring(0, 2000) + "…" : message;
    }
}
