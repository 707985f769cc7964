package dev.imagegen.check;

/** One thing the capability check found out: about which job-file key (or the key, the provider), and how bad. */
public record Finding(Severity severity, String subject, String message) {

    /** How bad a finding is, from harmless to "do not start": the worst one decides the exit code. */
    public enum Severity {
        OK("ok"),
        /** Works, but not quite as asked (e.g. a seed the model ignores). */
        WARN("warn"),
        /** The provider could not be asked; the run would retry, {@code check} exits 1. */
        UNREACHABLE("error"),
        /** The key is refused or its credit is used up: exit 3, as the run would end. */
        KEY("error"),
        /** The job file asks for something the provider does not have: exit 2. */
        CONFIG("error");

        private final String label;

        Severity(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    static Finding ok(String subject, String message) {
        return new Finding(Severity.OK, subject, message);
    }

    static Finding warn(String subject, String message) {
        return new Finding(Severity.WARN, subject, message);
    }

    static Finding config(String subject, String message) {
        return new Finding(Severity.CONFIG, subject, message);
    }

    static Finding key(String subject, String message) {
        return new Finding(Severity.KEY, subject, message);
    }

    static Finding unreachable(String subject, String message) {
        return new Finding(Severity.UNREACHABLE, subject, message);
    }
}
