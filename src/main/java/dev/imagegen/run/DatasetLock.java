package dev.imagegen.run;

import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.limits.RunFence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run per dataset at a time, across processes and machines: a PostgreSQL session advisory lock held on a
 * connection of its own (outside the pool) for the whole run. If the process dies, the server drops the lock with
 * the connection, so holding it also proves that any execution of this dataset still marked running is dead.
 *
 * <p>The server also drops the lock when it drops the connection while the process lives (a restart of the server,
 * an idle timeout, {@code pg_terminate_backend}): from then on another run may start. So the holder checks that the
 * connection is alive before every model call and every commit ({@link #verify()}), and every second meanwhile.
 */
public final class DatasetLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatasetLock.class);
    private static final Duration KEEPALIVE = Duration.ofSeconds(1);
    private static final int CHECK_TIMEOUT_SECONDS = 10;

    private final Connection connection;
    private final String dataset;
    private volatile String lost;
    private ScheduledExecutorService keepalive;

    private DatasetLock(Connection connection, String dataset) {
        this.connection = connection;
        this.dataset = dataset;
    }

    /** @return the lock, or null when another run of the dataset holds it */
    public static DatasetLock tryAcquire(ImagegenDatabase database, String dataset) throws SQLException {
        Connection c = database.connect("imagegen lock " + dataset, Map.of("tcpKeepAlive", "true"));
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
            ps.setString(1, "imagegen-dataset:" + dataset);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return new DatasetLock(c, dataset);
                }
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        c.close();
        return null;
    }

    /**
     * Checks, with a round trip, that the lock's connection (and so the lock) is still there.
     *
     * @throws RunFence.Lost once it is not (for good: the lock is not taken again behind another run's back)
     */
    public void verify() {
        if (lost == null) {
            boolean alive;
            synchronized (this) {
                try {
                    alive = lost == null && connection.isValid(CHECK_TIMEOUT_SECONDS);
                } catch (SQLException e) {
                    alive = false;
                }
            }
            if (!alive && lost == null) {
                lost = "the lock of dataset '" + dataset + "' was lost: its database connection was closed (the "
                        + "server restarted or dropped it, e.g. an idle timeout or pg_terminate_backend), so another "
                        + "run of the dataset could start; this run stops here. Restart it with the same --run-id";
                log.warn(lost);
            }
        }
        if (lost != null) {
            throw new RunFence.Lost(lost);
        }
    }

    /** Checks the lock every second until {@link #close()}, and tells {@code onLost} why once it is gone. */
    public synchronized void keepAlive(Consumer<String> onLost) {
        keepalive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dataset-lock-" + dataset);
            t.setDaemon(true);
            return t;
        });
        keepalive.scheduleWithFixedDelay(
                () -> {
                    try {
                        verify();
                    } catch (RunFence.Lost e) {
                        onLost.accept(e.getMessage());
                        keepalive.shutdown();
                    }
                },
                KEEPALIVE.toMillis(),
                KEEPALIVE.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws SQLException {
        synchronized (this) {
            if (keepalive != null) {
                keepalive.shutdownNow();
            }
        }
        if (lost != null) {
            connection.close(); // nothing left to unlock
            return;
        }
        // Unlock explicitly: on close alone the server drops the lock only when the backend process has exited,
        // a moment after the client returns, and a run started right after (a scheduler's next slot) found the
        // dataset still locked.
        try (java.sql.Statement s = connection.createStatement()) {
            s.execute("SELECT pg_advisory_unlock_all()");
        } catch (SQLException e) {
            log.debug("the lock of dataset {} was gone when released", dataset, e);
        } finally {
            connection.close();
        }
    }
}
