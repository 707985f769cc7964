package dev.imagegen.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written to standard error: {@code text} (the default, for people) or {@code json} (one JSON
 * object per line, for log collectors: logstash-logback-encoder's fields plus the run's {@code dataset},
 * {@code run_id} and {@code execution_id}). {@code logback.xml} has an appender for each; {@link LogFormatFilter}
 * lets only the active one write.
 *
 * <p>In JSON mode what the command line itself prints to standard error ("imagegen: ...") becomes log lines too, so
 * that every line of standard error is JSON; standard output (the summary, the report's paths) is unchanged.
 */
public enum LogFormat {
    TEXT,
    JSON;

    /** The environment variable that sets the default of {@code --log-format}. */
    public static final String ENVIRONMENT = "IMAGEGEN_LOG_FORMAT";

    private static volatile LogFormat active = TEXT;
    private static PrintStream textStderr;

    public static LogFormat parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("'" + text + "' is not a log format; use text or json");
        };
    }

    /** The format in force in this process. */
    public static LogFormat active() {
        return active;
    }

    /** Switches the process's logging to this format (nothing happens if it is already). */
    public void apply() {
        synchronized (LogFormat.class) {
            if (active == this) {
                return;
            }
            if (this == JSON) {
                textStderr = System.err;
                System.setErr(new PrintStream(new LineLogger(), true, StandardCharsets.UTF_8));
            } else {
                System.setErr(textStderr);
            }
            active = this;
        }
    }

    /** Standard error in JSON mode: each line printed becomes a WARN log line (errors, warnings, restart hints). */
    private static final class LineLogger extends OutputStream {
        private final org.slf4j.Logger log = LoggerFactory.getLogger("dev.imagegen.cli");
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8).stripTrailing();
                line.reset();
                if (!text.isBlank()) {
                    log.warn(text);
                }
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }
}
