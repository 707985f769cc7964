package dev.imagegen.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the job file's short durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Durations() {}

    public static Duration parse(String field, String text) {
        Matcher m = SHORT.matcher(text.strip());
        if (!m.matches()) {
            throw new JobFileException(field + ": '" + text + "' is not a duration; write a number with a unit, "
                    + "e.g. 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    public static long parseSize(String field, String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new JobFileException(field + ": '" + text + "' is not a size; write e.g. 64MiB or 1048576");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase();
        return switch (unit) {
            case "KIB", "KB" -> n << 10;
            case "MIB", "MB" -> n << 20;
            case "GIB", "GB" -> n << 30;
            default -> n;
        };
    }
}
