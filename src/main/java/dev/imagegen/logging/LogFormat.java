package dev.imagegen.logging;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written to standard error: {@code text} (the default, for people) or {@code json} (one JSON
 * object per line, for log collectors: logstash-logback-encoder's fields plus the run's {@code dataset},
 * {@code run_id} and {@code execution_id}). {@code logback.xml} picks its appender by the system property
 * {@value #PROPERTY}, so the choice survives Spring Boot re-reading that file when a context starts.
 *
 * <p>In JSON mode what the command line itself prints to standard error ("imagegen: ...") becomes log lines too, so
 * that every line of standard error is JSON; standard output (the summary, the report's paths) is unchanged.
 */
public enum LogFormat {
    TEXT, JSON;

    /** The environment variable that sets the default of {@code --log-format}. */
    public static final String ENVIRONMENT = "IMAGEGEN_LOG_FORMAT";
    static final String PROPERTY = "imagegen.log.format";

    private static LogFormat active = TEXT;
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
    public static synchronized LogFormat active() {
        return active;
    }

    /** Switches the process's logging to this format (nothing happens if it is already). */
    public void apply() {
        synchronized (LogFormat.class) {
            if (active == this) {
                return;
            }
            if (this == JSON) {
                System.setProperty(PROPERTY, "json");
                textStderr = System.err;
                System.setErr(new PrintStream(new LineLogger(), true, StandardCharsets.UTF_8));
            } else {
                System.clearProperty(PROPERTY);
                System.setErr(textStderr);
            }
            reconfigure();
            active = this;
        }
    }

    private static void reconfigure() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL config = LogFormat.class.getResource("/logback.xml");
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("logback.xml: " + e.getMessage(), e);
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
