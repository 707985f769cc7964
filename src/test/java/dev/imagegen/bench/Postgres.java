package dev.imagegen.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of an embedded PostgreSQL server, from /proc: the postmaster, its reaped children (cutime, cstime) and
 * its live backends. Linux only; 0 elsewhere.
 */
final class Postgres {

    private static final double TICK_MS = 10; // USER_HZ is 100 on Linux

    private Postgres() {}

    /** Milliseconds of CPU used so far by the server whose data lives under {@code home/pgdata}. */
    static long cpuMillis(Path home) {
        try {
            Path pidFile = home.resolve("pgdata").resolve("postmaster.pid");
            if (!Files.isRegularFile(pidFile)) {
                return 0;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            long[] master = stat(pid);
            long ticks = master[1] + master[2] + master[3] + master[4];
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : procs) {
                    long[] s = stat(Long.parseLong(p.getFileName().toString()));
                    if (s != null && s[0] == pid) {
                        ticks += s[1] + s[2];
                    }
                }
            }
            return (long) (ticks * TICK_MS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** ppid, utime, stime, cutime, cstime; null when the process is gone. */
    private static long[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "(comm) ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
            return new long[] {
                Long.parseLong(f[1]),
                Long.parseLong(f[11]),
                Long.parseLong(f[12]),
                Long.parseLong(f[13]),
                Long.parseLong(f[14])
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
