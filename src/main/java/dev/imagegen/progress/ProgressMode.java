package dev.imagegen.progress;

import dev.imagegen.logging.LogFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * How a run shows its progress: a live bar on a terminal, a log line every few seconds elsewhere (cron, CI, a pipe),
 * or nothing. {@code AUTO} picks BAR when standard error is a terminal and LOG otherwise (always LOG with JSON logs).
 */
public enum ProgressMode {
    AUTO,
    BAR,
    LOG,
    OFF;

    public static ProgressMode parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a progress mode; use auto, bar, log or off");
        }
    }

    /** AUTO made concrete for this process. */
    public ProgressMode resolve(UnaryOperator<String> env) {
        if (this != AUTO) {
            return this;
        }
        if (LogFormat.active() == LogFormat.JSON) {
            return LOG; // log collectors read standard error: a bar redrawn in place would be noise there
        }
        String term = env.apply("TERM");
        boolean dumb = term == null || term.isBlank() || term.equals("dumb");
        boolean ci = env.apply("CI") != null && !env.apply("CI").isBlank();
        return !dumb && !ci && stderrIsTerminal() ? BAR : LOG;
    }

    /**
     * Java 17 cannot ask isatty(2) directly: on Linux the descriptor's link names the terminal device; elsewhere a
     * console on stdin/stdout is the best sign there is.
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd)) {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // fall back below
        }
        return System.console() != null;
    }
}
