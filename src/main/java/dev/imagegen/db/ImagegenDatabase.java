package dev.imagegen.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's own PostgreSQL: an external server named by {@code IMAGEGEN_DB_URL} (with {@code IMAGEGEN_DB_USER} and
 * {@code IMAGEGEN_DB_PASSWORD}), or, with none configured, an embedded server whose data lives under
 * {@code IMAGEGEN_HOME} (default {@code .imagegen/}) and is kept between runs. Same engine either way.
 */
public final class ImagegenDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ImagegenDatabase.class);

    private final String url;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;

    private ImagegenDatabase(String url, String user, String password, EmbeddedPostgres embedded) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    public static ImagegenDatabase external(String url, String user, String password) {
        return new ImagegenDatabase(url, user, password, null);
    }

    /**
     * Starts (or joins) the embedded server under {@code home}. When another imagegen process on this machine already
     * runs it, this one connects to that server instead of starting a second one on the same data directory.
     */
    public static ImagegenDatabase embedded(Path home) {
        Path data = home.resolve("pgdata").toAbsolutePath();
        Integer running = RunningServer.port(data);
        if (running != null) {
            log.info("using the embedded PostgreSQL already running on port {}", running);
            return new ImagegenDatabase(jdbcUrl(running), "postgres", "postgres", null);
        }
        try {
            Files.createDirectories(data);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    .start();
            return new ImagegenDatabase(jdbcUrl(pg.getPort()), "postgres", "postgres", pg);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL under " + data + ": "
                    + e.getMessage() + " (set IMAGEGEN_HOME to a writable directory, or IMAGEGEN_DB_URL to use a "
                    + "server)", e);
        }
    }

    private static String jdbcUrl(int port) {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The URL without credentials, safe to print. */
    public String describe() {
        return (embedded != null ? "embedded PostgreSQL at " : "") + url.replaceAll("password=[^&]*", "password=****");
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }

    /** Reads {@code postmaster.pid} to find a live server on a data directory. */
    static final class RunningServer {

        private RunningServer() {
        }

        static Integer port(Path data) {
            Path pidFile = data.resolve("postmaster.pid");
            try {
                if (!Files.exists(pidFile)) {
                    return null;
                }
                List<String> lines = Files.readAllLines(pidFile);
                if (lines.size() < 4) {
                    return null;
                }
                long pid = Long.parseLong(lines.get(0).strip());
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                return alive ? Integer.valueOf(lines.get(3).strip()) : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
