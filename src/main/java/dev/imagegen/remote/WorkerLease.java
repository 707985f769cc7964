package dev.imagegen.remote;

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
 */
final class WorkerLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerLease.class);

    private final JdbcTemplate jdbc;
    private final String id;
    private final Duration lease;
    private final ScheduledExecutorService timer;

    private WorkerLease(JdbcTemplate jdbc, String id, Duration lease) {
        this.jdbc = jdbc;
        this.id = id;
        this.lease = lease;
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
        jdbc.update("INSERT INTO remote_worker (worker_id, host, pid, concurrency, lease_until) "
                + "VALUES (?, ?, ?, ?, now() + ? * interval '1 millisecond')", id, host, pid,
                settings.concurrency(), settings.lease().toMillis());
        WorkerLease lease = new WorkerLease(jdbc, id, settings.lease());
        long every = Math.max(1, settings.lease().toMillis() / 3);
        lease.timer.scheduleAtFixedRate(lease::renew, every, every, TimeUnit.MILLISECONDS);
        return lease;
    }

    String id() {
        return id;
    }

    private void renew() {
        try {
            jdbc.update("UPDATE remote_worker SET lease_until = now() + ? * interval '1 millisecond' "
                    + "WHERE worker_id = ?", lease.toMillis(), id);
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
