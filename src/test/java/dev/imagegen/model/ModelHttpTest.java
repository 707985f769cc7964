package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FakeOpenRouter.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one HTTP exchange every client makes: bounded as a whole, interruptible, never redirected. */
class ModelHttpTest {

    /** A request as OpenRouter's document has it (the fake checks every request against it). */
    private static final byte[] CHAT_REQUEST = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final FakeOpenRouter server = new FakeOpenRouter();

    @AfterEach
    void close() {
        server.close();
    }

    private URI chat() {
        return URI.create(server.baseUrl() + "/chat/completions");
    }

    @Test
    void anInterruptAbortsACallWhoseBodyIsStillComing() throws Exception {
        CountDownLatch answering = new CountDownLatch(1);
        server.behaviour(call -> {
            answering.countDown();
            return server.success(call).trickled(200);
        });
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            try {
                ModelHttp.exchange(
                        ModelHttp.newClient(),
                        chat(),
                        Map.of("Authorization", "Bearer k"),
                        CHAT_REQUEST,
                        Duration.ofMinutes(10),
                        1 << 20);
                outcome.set(new AssertionError("the call completed"));
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                ended.countDown();
            }
        });
        caller.start();
        assertThat(answering.await(30, TimeUnit.SECONDS)).isTrue();

        caller.interrupt();

        // The body would take minutes; the interrupt ends the call now (the bound only guards the test).
        assertThat(ended.await(30, TimeUnit.SECONDS))
                .as("the call ended on the interrupt")
                .isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        // The connection was closed, not left to trickle on: the server's next writes fail and it lets go.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling the server's state, with a deadline
        }
        assertThat(server.inFlight()).isZero();
    }

    @Test
    void aRedirectIsAConfigurationStopAndIsNotFollowed() throws Exception {
        try (FakeOpenRouter elsewhere = new FakeOpenRouter()) {
            server.behaviour(call -> Reply.redirect(308, elsewhere.baseUrl() + "/chat/completions?token=abc"));

            ModelCallException e = catchThrowableOfType(
                    ModelCallException.class,
                    () -> ModelHttp.exchange(
                            ModelHttp.newClient(),
                            chat(),
                            Map.of("Authorization", "Bearer k"),
                            CHAT_REQUEST,
                            Duration.ofSeconds(10),
                            1 << 20));

            assertThat(e.kind()).isEqualTo(FailureKind.CONFIGURATION);
            assertThat(e.kind().action()).isEqualTo(FailureKind.Action.STOP);
            assertThat(e.httpStatus()).isEqualTo(308);
            // The target's origin only: never a path or query that might carry something secret.
            assertThat(e.getMessage())
                    .contains("model.base-url")
                    .contains(URI.create(elsewhere.baseUrl()).getAuthority())
                    .doesNotContain("token=abc");
            assertThat(elsewhere.received()).isEmpty();
        }
    }

    @Test
    void aBodyOverTheCapIsRefusedUnread() throws Exception {
        server.imageBytes(200_000);

        ModelCallException e = catchThrowableOfType(
                ModelCallException.class,
                () -> ModelHttp.exchange(
                        ModelHttp.newClient(), chat(), Map.of(), CHAT_REQUEST, Duration.ofSeconds(10), 100_000));

        assertThat(e.kind()).isEqualTo(FailureKind.INVALID_IMAGE);
        assertThat(e.getMessage()).contains("model.max-response-size");
    }

    @Test
    void aChunkedBodyIsCutOffOnceItPassesTheCap() throws Exception {
        HttpServer chunked = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        chunked.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0); // no Content-Length: chunked
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 64; i++) {
                    out.write(new byte[16 * 1024]);
                }
            } catch (IOException clientGone) {
                // expected: the client stops reading at the cap
            }
        });
        chunked.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + chunked.getAddress().getPort() + "/x");
            ModelCallException e = catchThrowableOfType(
                    ModelCallException.class,
                    () -> ModelHttp.exchange(
                            ModelHttp.newClient(), uri, Map.of(), null, Duration.ofSeconds(10), 100_000));

            assertThat(e.kind()).isEqualTo(FailureKind.INVALID_IMAGE);
            assertThat(e.httpStatus()).isEqualTo(200);
            assertThat(e.getMessage()).contains("exceeds the cap of 100000 bytes");
        } finally {
            chunked.stop(0);
        }
    }

    /**
     * The client keeps a response alive after its call (JDK 17's idle connection holds its first exchange): the body
     * must not be in it, or every open connection holds a megabytes-long body for the whole run.
     */
    @Test
    void aFinishedCallsBodyIsNotKeptAliveByTheClientsIdleConnection() throws Exception {
        server.imageBytes(200_000);
        java.net.http.HttpClient http = ModelHttp.newClient();

        java.lang.ref.WeakReference<byte[]> body = new java.lang.ref.WeakReference<>(
                ModelHttp.exchange(http, chat(), Map.of(), CHAT_REQUEST, Duration.ofSeconds(10), 10_000_000)
                        .body());

        assertThat(body.get()).isNotNull();
        for (int i = 0; i < 20 && body.get() != null; i++) {
            System.gc(); // a full collection clears a weak reference to an unreachable array
        }
        assertThat(body.get()).as("the body, once the caller dropped it").isNull();
        assertThat(http).isNotNull(); // the client and its idle connection are still reachable up to here
    }

    /** JDK 21+ can stop a client (its selector thread would hold the JVM's exit); JDK 17 cannot, and must not fail. */
    @Test
    void aLeaseStopsItsClientWhereTheJdkCan() throws Exception {
        ModelHttp.Lease lease = ModelHttp.Lease.open();
        lease.close();
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Runtime.version().feature() >= 21,
                "HttpClient has no shutdownNow before JDK 21 (this JVM: " + Runtime.version()
                        + "); only that closing does not fail is checked");
        // A client that was shut down refuses new requests (whether its thread has ended yet is a race).
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lease.http()
                        .send(
                                java.net.http.HttpRequest.newBuilder(chat()).build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(java.io.IOException.class);
        assertThat(server.received()).isEmpty();
    }
}
