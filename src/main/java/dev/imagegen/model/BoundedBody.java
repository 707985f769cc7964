package dev.imagegen.model;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** Reading an HTTP body without trusting its size, and the header hints that come with it. */
public final class BoundedBody {

    private BoundedBody() {}

    /**
     * A body handler that collects the body into memory as it arrives, up to {@code cap} bytes: a body that announces
     * or turns out to be larger fails with {@link TooLarge} and the exchange is cancelled, so nothing more is read. The
     * body of a redirect (3xx) is discarded unread. Being asynchronous, the whole exchange (headers and body) is one
     * future that a caller can bound with a deadline and cancel.
     */
    public static HttpResponse.BodyHandler<Held> handler(long cap) {
        return info -> {
            if (info.statusCode() >= 300 && info.statusCode() < 400) {
                return HttpResponse.BodySubscribers.replacing(new Held(new byte[0]));
            }
            long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
            return new Capped(cap, declared);
        };
    }

    /**
     * Collects the body's buffers; cancels the subscription as soon as the cap is passed. A body of the length it
     * announced is handed over in the array it was read into, not copied (an image answer is megabytes of base64, and
     * C calls in flight each held two copies of it).
     */
    private static final class Capped implements HttpResponse.BodySubscriber<Held> {
        private final long cap;
        private final long declared;
        private final CompletableFuture<Held> result = new CompletableFuture<>();
        private byte[] buffer;
        private Flow.Subscription subscription;
        private int total;

        Capped(long cap, long declared) {
            this.cap = cap;
            this.declared = declared;
        }

        @Override
        public CompletionStage<Held> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > cap) {
                s.cancel();
                result.completeExceptionally(new TooLarge(declared, cap));
                return;
            }
            buffer = new byte[declared > 0 && declared <= limit() ? (int) declared : 64 * 1024];
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                long after = (long) total + b.remaining();
                if (after > limit()) {
                    subscription.cancel();
                    buffer = null;
                    result.completeExceptionally(new TooLarge(after, cap));
                    return;
                }
                if (after > buffer.length) { // longer than announced, or no length: grow by half at least
                    buffer = Arrays.copyOf(buffer, (int) Math.min(limit(), Math.max(after, buffer.length * 3L / 2)));
                }
                int n = b.remaining();
                b.get(buffer, total, n);
                total += n;
            }
        }

        /** The cap, within what one array can hold. */
        private long limit() {
            return Math.min(cap, Integer.MAX_VALUE - 8);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            if (!result.isDone()) {
                result.complete(new Held(total == buffer.length ? buffer : Arrays.copyOf(buffer, total)));
                buffer = null;
            }
        }
    }

    /**
     * A body that its reader takes out: the HTTP response must not hold it, because the client keeps a response alive
     * after its call (JDK 17's idle connection holds its connect-timeout event, which holds the first exchange it
     * carried): at C=64 with 4 MiB images, 64 connections kept a 5.6 MB body each alive for the whole run.
     */
    public static final class Held {
        private byte[] bytes;

        Held(byte[] bytes) {
            this.bytes = bytes;
        }

        /** The body, once. */
        public byte[] take() {
            byte[] b = bytes;
            if (b == null) {
                throw new IllegalStateException("the body was taken already");
            }
            bytes = null;
            return b;
        }
    }

    /** The longest hint taken as it is; the retry loop caps it further at {@code run.retry.max-delay}. */
    public static final Duration MAX_HINT = Duration.ofDays(1);

    /**
     * A provider's hint in milliseconds as a duration between 0 and {@link #MAX_HINT}: {@code 1e20}, {@code Infinity}
     * or {@code 10000000000} seconds never overflow anything; NaN is null.
     */
    public static Duration hintMillis(double millis) {
        if (Double.isNaN(millis)) {
            return null;
        }
        return millis <= 0
                ? Duration.ZERO
                : millis >= MAX_HINT.toMillis() ? MAX_HINT : Duration.ofMillis((long) Math.ceil(millis));
    }

    /** {@code Retry-After} as seconds or an HTTP date (bounded by {@link #MAX_HINT}); null when absent or unreadable. */
    public static Duration retryAfter(HttpHeaders headers, Instant now) {
        String value = headers.firstValue("retry-after").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return hintMillis(Double.parseDouble(value.strip()) * 1000);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_HINT) > 0 ? MAX_HINT : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** A response over the configured cap. */
    public static final class TooLarge extends Exception {
        public TooLarge(long size, long cap) {
            super("response of " + (size < 0 ? "unknown" : String.valueOf(size)) + " bytes exceeds the cap of " + cap
                    + " bytes (model.max-response-size)");
        }
    }
}
