package dev.imagegen.run;

/** One line about an unexpected failure: the root cause's message, never a stack trace on the console. */
public final class Errors {

    private Errors() {}

    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message =
                root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return message.length() > 2000 ? message.substring(0, 2000) + "…" : message;
    }
}
