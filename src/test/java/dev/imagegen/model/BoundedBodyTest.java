package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The body collector: whole bodies whatever their buffers and announced length, and nothing past the cap. */
class BoundedBodyTest {

    @Test
    void aBodyOfItsAnnouncedLengthArrivesWhole() throws Exception {
        byte[] body = bytes(300_000);

        assertThat(collect(body, (long) body.length, 1 << 20, 7_000)).isEqualTo(body);
    }

    @Test
    void aBodyWithoutLengthGrowsPastTheFirstBuffer() throws Exception {
        byte[] body = bytes(1_000_000);

        assertThat(collect(body, null, 2 << 20, 16_384)).isEqualTo(body);
    }

    @Test
    void aBodyLongerOrShorterThanAnnouncedIsStillExactlyWhatCame() throws Exception {
        byte[] body = bytes(100_000);

        assertThat(collect(body, 10L, 1 << 20, 4_096)).isEqualTo(body);
        assertThat(collect(body, 150_000L, 1 << 20, 4_096)).isEqualTo(body);
    }

    @Test
    void aBodyPastTheCapFailsAndIsCancelled() {
        byte[] body = bytes(50_000);

        assertThatThrownBy(() -> collect(body, null, 40_000, 4_096)).hasCauseInstanceOf(BoundedBody.TooLarge.class);
        assertThatThrownBy(() -> collect(body, 50_000L, 40_000, 4_096)).hasCauseInstanceOf(BoundedBody.TooLarge.class);
    }

    private static byte[] collect(byte[] body, Long announced, long cap, int slice)
            throws InterruptedException, ExecutionException {
        HttpHeaders headers = HttpHeaders.of(
                announced == null ? Map.of() : Map.of("content-length", List.of(String.valueOf(announced))),
                (a, b) -> true);
        HttpResponse.BodySubscriber<BoundedBody.Held> subscriber =
                BoundedBody.handler(cap).apply(new Info(headers));
        AtomicBoolean cancelled = new AtomicBoolean();
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {
                cancelled.set(true);
            }
        });
        for (int at = 0; at < body.length && !cancelled.get(); at += slice) {
            // Two buffers per call, one of them direct (no array behind it), as the client may hand them.
            int mid = Math.min(body.length, at + slice / 2);
            int end = Math.min(body.length, at + slice);
            ByteBuffer direct = ByteBuffer.allocateDirect(end - mid)
                    .put(body, mid, end - mid)
                    .flip();
            subscriber.onNext(List.of(ByteBuffer.wrap(body, at, mid - at).slice(), direct));
        }
        if (!cancelled.get()) {
            subscriber.onComplete();
        }
        BoundedBody.Held held = subscriber.getBody().toCompletableFuture().get();
        byte[] taken = held.take();
        assertThatThrownBy(held::take).as("a body is handed over once").isInstanceOf(IllegalStateException.class);
        return taken;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >> 8));
        }
        return b;
    }

    private record Info(HttpHeaders headers) implements HttpResponse.ResponseInfo {
        @Override
        public int statusCode() {
            return 200;
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
