package dev.imagegen.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How the report writes its figures: times in the reader's zone, latencies in ms below 10 s, else seconds ("–" for
 * none), money to four places, a time bucket's length in words.
 */
record ReportFormats(ZoneId zone) {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT);

    String time(Instant t) {
        return t == null ? "" : TIME.format(t.atZone(zone));
    }

    String ms(Long millis) {
        if (millis == null) {
            return "–";
        }
        return millis < 10_000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String money(BigDecimal usd) {
        return "$" + usd.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    static String duration(long seconds) {
        if (seconds % 3600 == 0) {
            return seconds == 3600 ? "hour" : seconds / 3600 + " hours";
        }
        if (seconds % 60 == 0) {
            return seconds == 60 ? "minute" : seconds / 60 + " minutes";
        }
        return seconds == 1 ? "second" : seconds + " seconds";
    }
}
