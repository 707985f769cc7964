package dev.imagegen.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reading an HTTP body without trusting its size, and the header hints that come with it. */
public final class BoundedBody {

    private BoundedBody() {
    }

    /**
     * Reads at most {@code cap} bytes; a body that announces or turns out to be larger is rejected before it is read
     * whole, so one oversized response cannot exhaust the heap.
     */
    public static byte[] read(InputStream in, HttpHeaders headers, long cap) throws IOException, TooLarge {
        try (in) {
            long declared = headers.firstValueAsLong("content-length").orElse(-1);
            if (declared > cap) {
                throw new TooLarge(declared, cap);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 64 * 1024);
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > cap) {
                    throw new TooLarge(total, cap);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    public static Duration retryAfter(HttpHeaders headers, Instant now) {
        String value = headers.firstValue("retry-after").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofMillis((long) (Double.parseDouble(value.strip()) * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** A response over the configured cap. */
    public static final class TooLarge extends Exception {
        public TooLarge(long size, long cap) {
            super("response of " + (size < 0 ? "unknown" : String.valueOf(size)) + " bytes exceeds the cap of "
                    + cap + " bytes (model.max-response-size)");
        }
    }
}
