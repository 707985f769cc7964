package dev.imagegen.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded server's postmaster as its data directory's {@code postmaster.pid} names it: whether one is running
 * (and on which port), and stopping one this process joined. The file names the postmaster's PID; after a power cut
 * (or a kill of the whole machine) it stays behind, and once the machine is up again that PID may belong to any
 * other process. Such a file is stale: the process is not a PostgreSQL server, or it started at another time than
 * the server the file describes.
 */
final class RunningServer {

    /** Its lines are the database's, as they were before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(ImagegenDatabase.class);

    /** How far a process's start time may be from the one {@code postmaster.pid} records (whole seconds). */
    private static final long START_TOLERANCE_SECONDS = 5;

    private RunningServer() {}

    static Integer port(Path data) {
        List<String> lines = pidFile(data);
        return lines == null ? null : Integer.valueOf(lines.get(3).strip());
    }

    static Long pid(Path data) {
        List<String> lines = pidFile(data);
        return lines == null ? null : Long.valueOf(lines.get(0).strip());
    }

    /**
     * Removes {@code postmaster.pid} when its PID is alive but is not that server (PostgreSQL would refuse to
     * start while a live process has the PID, and every start would fail until someone deleted the file). Call
     * it under the {@link HomeLock}, so that no imagegen process is starting or stopping the server meanwhile.
     */
    static void removeIfStale(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        List<String> lines = readPidFile(pidFile);
        if (lines == null) {
            return;
        }
        String why = notTheServer(lines);
        if (why != null) {
            log.warn(
                    "{} is stale: {}; it was left by a crash or power cut. Removing it and starting the server",
                    pidFile,
                    why);
            Files.deleteIfExists(pidFile);
        }
    }

    /** The file's lines when it names a live process that is the server; null otherwise. */
    private static List<String> pidFile(Path data) {
        List<String> lines = readPidFile(data.resolve("postmaster.pid"));
        if (lines == null) {
            return null;
        }
        long pid = Long.parseLong(lines.get(0).strip());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return alive && notTheServer(lines) == null ? lines : null;
    }

    private static List<String> readPidFile(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return null;
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return null;
            }
            Long.parseLong(lines.get(0).strip());
            Integer.parseInt(lines.get(3).strip());
            return lines;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Why the live process the file names is not its server, or null when it may be (or is not alive). */
    private static String notTheServer(List<String> lines) {
        long pid = Long.parseLong(lines.get(0).strip());
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return null; // a dead PID: PostgreSQL itself recognises the file as stale
        }
        ProcessHandle.Info info = process.get().info();
        Optional<String> name = info.command().map(c -> Path.of(c).getFileName().toString());
        if (name.isPresent()
                && !name.get().startsWith("postgres")
                && !name.get().equals("postmaster")) {
            return "PID " + pid + " is now '" + name.get() + "', not PostgreSQL";
        }
        Optional<Instant> started = info.startInstant();
        long recorded;
        try {
            recorded = Long.parseLong(lines.get(2).strip());
        } catch (RuntimeException e) {
            return null;
        }
        if (started.isPresent() && Math.abs(started.get().getEpochSecond() - recorded) > START_TOLERANCE_SECONDS) {
            return "PID " + pid + " started at " + started.get() + ", not at " + Instant.ofEpochSecond(recorded)
                    + " as the server it names did";
        }
        return null;
    }

    /**
     * Stops a server this process joined but did not start (its owner left it running for us, or died). PostgreSQL's
     * "fast shutdown" signal (SIGINT) is what {@code pg_ctl stop -m fast} sends; {@code pg_ctl} itself is not used
     * because it refuses to run as root, where the embedded server runs in a user namespace.
     */
    static void stop(Path data) throws IOException {
        Long pid = pid(data);
        Optional<ProcessHandle> postmaster = pid == null ? Optional.empty() : ProcessHandle.of(pid);
        if (postmaster.isEmpty()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", pid.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                postmaster.get().destroy(); // SIGTERM: a "smart" shutdown
            }
            postmaster.get().onExit().get(60, TimeUnit.SECONDS);
            log.info("stopped the embedded PostgreSQL (pid {}): no imagegen process uses it any more", pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("the embedded PostgreSQL (pid {}) did not stop within 60 s", pid);
        }
    }
}
