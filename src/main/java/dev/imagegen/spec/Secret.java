package dev.imagegen.spec;

/**
 * A credential that must never reach a log, a report, metadata or an exception message: {@link #toString()} masks
 * it, so a record holding one can be printed safely.
 */
public final class Secret {

    public static final Secret NONE = new Secret("");

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isBlank() ? NONE : new Secret(value.strip());
    }

    public boolean isPresent() {
        return !value.isEmpty();
    }

    /** The raw value, for the one place that sends it: an Authorization header. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return isPresent() ? "****" : "(none)";
    }
}
