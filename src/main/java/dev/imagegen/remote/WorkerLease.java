package dev.imagegen.remote;

import dev.imagegen.limits.RunFence;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A worker's row in {@code remote_worker}, and its heartbeat: the lease is renewed every third of its length, with
 * the database's clock (so the machines' clocks do not matter). A worker that dies stops renewing, and once the
 * lease has run out the manager fails the partitions it held.
 *
 * <p>A worker that only stalled (a long GC pause, {@code kill -STOP}, a lost network) may come back after that, while
 * a restart has handed its partitions to another worker: it must not call the model or commit for them again. So a
 * lease, once run out, is lost for good ({@link #verify()} fails from then on, and a renewal does not revive it),
 * and the worker judges that by its own monotonic clock as well, which goes on while the process is stopped.
 */
final class WorkerLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerLease.class);

    private final JdbcTemplate jdbc;
    private final String id;
    private final Duration lease;
    private final ScheduledExecutorService timer;
    /** {@link System#nanoTime()} until which the lease surely holds: renewal start + lease - a tenth. */
    private volatile long validUntil;

    private volatile String lost;

    private WorkerLease(JdbcTemplate jdbc, String id, Duration lease, long validUntil) {
        this.jdbc = jdbc;
        this.id = id;
        this.lease = lease;
        this.validUntil = validUntil;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worker-lease");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            return t;
        });
    }

    static WorkerLease start(JdbcTemplate jdbc, WorkerSettings settings) {
        String host = hostName();
        long pid = ProcessHandle.current().pid();
        String id = (settings.name() != null ? settings.name() : host) + "-" + pid + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        long start = System.nanoTime();
        jdbc.update(
                "INSERT INTO remote_worker (worker_id, host, pid, concurrency, lease_until) "
                        + "VALUES (?, ?, ?, ?, now() + ? * interval '1 millisecond')",
                id,
                host,
                pid,
                settings.concurrency(),
                settings.lease().toMillis());
        WorkerLease lease = new WorkerLease(jdbc, id, settings.lease(), start + sure(settings.lease()));
        long every = Math.max(1, settings.lease().toMillis() / 3);
        lease.timer.scheduleAtFixedRate(lease::renew, every, every, TimeUnit.MILLISECONDS);
        return lease;
    }

    /** How long after a renewal started the lease surely holds: its length, less a tenth for the way there. */
    private static long sure(Duration lease) {
        return lease.toNanos() - lease.toNanos() / 10;
    }

    String id() {
        return id;
    }

    /**
     * @throws RunFence.Lost once the lease has run out (for good), so that this worker makes
     *                                             no model call and no commit for the partitions it holds
     */
    void verify() {
        if (lost == null && System.nanoTime() - validUntil >= 0) {
            lose("it was not renewed for longer than the lease (" + lease.toMillis() + " ms): the process was "
                    + "stalled or could not reach the database");
        }
        if (lost != null) {
            throw new RunFence.Lost(lost);
        }
    }

    /** Whether the lease ran out: the worker must leave its partitions and register anew. */
    boolean isLost() {
        try {
            verify();
            return false;
        } catch (RunFence.Lost e) {
            return true;
        }
    }

    private synchronized void lose(String why) {
        if (lost == null) {
            lost = "the lease of worker " + id + " ran out (" + why + "); the manager may have handed its "
                    + "partitions to another worker, so it makes no more calls and commits nothing for them";
            log.warn(lost);
        }
    }

    private void renew() {
        if (lost != null) {
            return;
        }
        long start = System.nanoTime();
        try {
            int renewed = jdbc.update(
                    "UPDATE remote_worker SET lease_until = now() + ? * interval '1 millisecond' "
                            + "WHERE worker_id = ? AND lease_until > now()",
                    lease.toMillis(),
                    id);
            if (renewed == 0) {
                lose("the database has it expired");
            } else if (start - validUntil >= 0) {
                lose("it was renewed too late");
            } else {
                validUntil = start + sure(lease);
            }
        } catch (RuntimeException e) {
            log.warn("cannot renew the lease of worker {}: {}", id, e.getMessage());
        }
    }

    /** After a graceful stop: the worker holds nothing any more. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            jdbc.update("UPDATE remote_worker SET stopped_at = now(), lease_until = now() WHERE worker_id = ?", id);
        } catch (RuntimeException e) {
            log.warn("cannot record that worker {} stopped: {}", id, e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-host";
        }
    }
}
