package dev.imagegen.run;

import dev.imagegen.support.Causes;

/** One line about an unexpected failure: the root cause's message, never a stack trace on the console. */
public final class Errors {

    private Errors() {}

    /** The root cause's message (its type's simple name when it has none), cut at 2000 characters. */
    public static String describe(Throwable e) {
        String message = rootMessage(e);
        return message.length() > 2000 ? message.substring(0, 2000) + "…" : message;
    }

    /** What went wrong at the bottom of {@code e}: its root cause's message, or the cause's simple type name. */
    public static String rootMessage(Throwable e) {
        return Causes.rootMessage(e);
    }
}
