package dev.imagegen.batch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A streamed download that closes itself when no byte has arrived for {@code timeout}: the JDK's streaming body has
 * no read timeout, and a stalled server must fail the step (restartable) rather than hang it.
 */
final class StallGuard extends FilterInputStream {

    private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "download-watch");
        t.setDaemon(true);
        return t;
    });

    private final long timeoutNanos;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;
    private final ScheduledFuture<?> watch;

    private StallGuard(InputStream in, Duration timeout) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        long period = Math.max(10, timeout.toMillis() / 4);
        this.watch = WATCH.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    static InputStream wrap(InputStream in, Duration timeout) {
        return new StallGuard(in, timeout);
    }

    private void check() {
        if (System.nanoTime() - lastProgress > timeoutNanos) {
            stalled = true;
            watch.cancel(false);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is all we can do
            }
        }
    }

    @Override
    public int read() throws IOException {
        int b = checked(super.read());
        lastProgress = System.nanoTime();
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(buf, off, len);
        } catch (IOException e) {
            throw stalled ? stall() : e;
        }
        lastProgress = System.nanoTime();
        return checked(n);
    }

    private int checked(int n) throws IOException {
        if (stalled) {
            throw stall();
        }
        return n;
    }

    private IOException stall() {
        return new IOException(
                "the download stalled: no data for " + timeoutNanos / 1_000_000_000 + " s " + "(model.timeout)");
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        super.close();
    }
}
