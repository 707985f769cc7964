package dev.imagegen.support;

/** The bottom of an exception's cause chain, which is what a person needs to read ("connection refused"). */
public final class Causes {

    private static final int MAX_DEPTH = 100;

    private Causes() {}

    /** The last cause of {@code t} ({@code t} itself when it has none); a cause that is its own cause ends the walk. */
    public static Throwable root(Throwable t) {
        Throwable root = t;
        // Bounded: a chain that loops back on itself (not only a self-cause) still ends.
        for (int depth = 0; depth < MAX_DEPTH && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root;
    }

    /** The root cause's message, or its class's simple name when it has none. */
    public static String rootMessage(Throwable t) {
        Throwable root = root(t);
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
