package dev.imagegen.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.testing.ImagegenProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut leaves {@code postmaster.pid} behind, and after the reboot its PID may belong to another process. The
 * embedded server must see that this process is not its PostgreSQL, remove the stale file and start, with the data.
 */
class StalePidFileTests {

    @TempDir
    Path home;

    @Test
    void aPidFileNamingAnotherLiveProcessIsRecognisedAsStaleAndTheServerStarts() throws Exception {
        Path data = ImagegenDatabase.dataDirectory(home);
        // A process that starts the embedded server and keeps using it (any long-running command does).
        ImagegenProcess user = ImagegenProcess.in(home).home(home).log("worker").start("worker", "--poll", "1s");
        await().atMost(Duration.ofMinutes(2)).ignoreExceptions().until(() -> {
            Integer port = RunningServer.port(data);
            return port != null && count(port, "SELECT count(*) FROM remote_worker") > 0;
        });
        execute(RunningServer.port(data), "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
        // The power cut: the process, the postmaster and its backends die at once, and the lock file stays.
        ProcessHandle server = ProcessHandle.of(RunningServer.pid(data)).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(server.descendants().toList());
        all.add(server);
        user.kill();
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            p.onExit().get(30, TimeUnit.SECONDS);
        }
        Path pidFile = data.resolve("postmaster.pid");
        assertThat(pidFile).exists();
        // After the reboot the PID belongs to some other, live process.
        Process other = new ProcessBuilder("sleep", "600").start();
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(pidFile));
            lines.set(0, String.valueOf(other.pid()));
            Files.write(pidFile, lines);

            ImagegenDatabase again = ImagegenDatabase.embedded(home);
            try {
                assertThat(again.startedServer()).isTrue();
                assertThat(RunningServer.pid(data)).isNotEqualTo(other.pid());
                try (Connection c = connect(again);
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT n FROM kept")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(42);
                }
            } finally {
                again.close();
            }
            assertThat(other.isAlive())
                    .as("the unrelated process is left alone")
                    .isTrue();
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    private static void execute(int port, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "postgres");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(int port, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection connect(ImagegenDatabase db) throws Exception {
        return DriverManager.getConnection(db.url(), db.user(), db.password());
    }
}
