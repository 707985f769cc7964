package dev.imagegen.cli;

/** One line about an unexpected failure: the root cause's message, never a stack trace on the console. */
final class Errors {

    private Errors() {
    }

    static String describe(Throwable e) {
        Throwable root = e;
        StringBuilder chain = new StringBuilder(String.valueOf(e.getMessage()));
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !chain.toString().contains(root.getMessage())) {
            chain.append(": ").append(root.getMessage());
        }
        return chain.toString();
    }
}
