package dev.imagegen.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's own PostgreSQL: an external server named by {@code IMAGEGEN_DB_URL} (with {@code IMAGEGEN_DB_USER} and
 * {@code IMAGEGEN_DB_PASSWORD}), or, with none configured, an embedded server whose data lives under
 * {@code IMAGEGEN_HOME} (default {@code .imagegen/}) and is kept between runs. Same engine either way.
 *
 * <p>Several imagegen processes on one machine share the embedded server (a scheduler and a manual run of another
 * dataset, or a second run of the same dataset that must be refused by its lock). The first one starts it; the others
 * join it. Each process holds a shared "presence" advisory lock for as long as it uses the server, and the one that
 * leaves last stops it, whoever started it: the owner that finishes first leaves it running for the others. Starting,
 * joining and leaving happen under a file lock in {@code IMAGEGEN_HOME}, so no process can join a server that is
 * being stopped.
 */
public final class ImagegenDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ImagegenDatabase.class);

    /** The advisory lock key every process using the embedded server holds in shared mode. */
    private static final long PRESENCE_KEY = 0x696d6167656e5052L;

    private final String url;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;
    private final Path home;
    private Connection presence;
    private boolean closed;

    private ImagegenDatabase(
            String url, String user, String password, EmbeddedPostgres embedded, Path home, Connection presence) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
        this.home = home;
        this.presence = presence;
    }

    public static ImagegenDatabase external(String url, String user, String password) {
        return new ImagegenDatabase(url, user, password, null, null, null);
    }

    /**
     * Starts (or joins) the embedded server under {@code home}. When another imagegen process on this machine already
     * runs it, this one connects to that server instead of starting a second one on the same data directory.
     */
    public static ImagegenDatabase embedded(Path home) {
        Path data = dataDirectory(home);
        try (HomeLock ignored = HomeLock.acquire(home)) {
            RunningServer.removeIfStale(data);
            Integer running = RunningServer.port(data);
            if (running != null) {
                String url = jdbcUrl(running);
                Connection presence = arrive(url, data);
                log.info("using the embedded PostgreSQL already running on port {}", running);
                return new ImagegenDatabase(url, "postgres", "postgres", null, home, presence);
            }
            Files.createDirectories(data);
            Path serverLog = home.toAbsolutePath().resolve("postgres.log");
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    // zonky turns it off for tests; a power cut would then lose the last commits (image rows).
                    .setServerConfig("synchronous_commit", "on")
                    // The server may outlive this process (another one still uses it): it must not write to our
                    // pipes, and our exit must not stop it.
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(serverLog.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(serverLog.toFile()))
                    .setRegisterShutdownHook(false)
                    .start();
            String url = jdbcUrl(pg.getPort());
            return new ImagegenDatabase(url, "postgres", "postgres", pg, home, arrive(url, data));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot start the embedded PostgreSQL under " + data + ": "
                            + e.getMessage()
                            + " (set IMAGEGEN_HOME to a writable directory, or IMAGEGEN_DB_URL to use a "
                            + "server)",
                    e);
        }
    }

    static Path dataDirectory(Path home) {
        return home.resolve("pgdata").toAbsolutePath();
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

    /**
     * A connection of its own, outside the pool, for what lives as long as a session (an advisory lock, a LISTEN):
     * with this database's credentials, shown as {@code applicationName} in {@code pg_stat_activity}.
     *
     * @param options more driver properties, e.g. {@code tcpKeepAlive}
     */
    public Connection connect(String applicationName, Map<String, String> options) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", applicationName);
        options.forEach(props::setProperty);
        return DriverManager.getConnection(url, props);
    }

    /** Whether this process started the embedded server (false when it joined one, or for an external server). */
    boolean startedServer() {
        return embedded != null;
    }

    /** The URL without credentials, safe to print. */
    public String describe() {
        return (home != null ? "embedded PostgreSQL at " : "") + url.replaceAll("password=[^&]*", "password=****");
    }

    /**
     * Leaves the embedded server: stops it when no other imagegen process uses it, else leaves it running for them.
     * Called after the connection pool is closed (the pool depends on this bean).
     */
    @Override
    public synchronized void close() {
        if (closed || home == null) {
            return;
        }
        closed = true;
        Path data = dataDirectory(home);
        try (HomeLock ignored = HomeLock.acquire(home)) {
            boolean last = leave();
            if (!last) {
                log.info("leaving the embedded PostgreSQL running: another imagegen process is using it");
                return;
            }
            if (embedded != null) {
                embedded.close();
            } else {
                RunningServer.stop(data);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not stop the embedded PostgreSQL under {}: {}", data, e.getMessage());
        }
    }

    /** Takes the shared presence lock on a connection of its own, held until {@link #close()}. */
    private static Connection arrive(String url, Path data) {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "postgres");
        props.setProperty(
                "ApplicationName",
                "imagegen presence " + ProcessHandle.current().pid());
        try {
            Connection c = DriverManager.getConnection(url, props);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_lock_shared(" + PRESENCE_KEY + ")");
            }
            return c;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "the embedded PostgreSQL of " + data + " does not accept connections (" + e.getMessage()
                            + "); if it is shutting down, try again in a moment",
                    e);
        }
    }

    /** Releases this process's presence; true when no other process holds one, i.e. this one is the last. */
    private boolean leave() {
        try (Connection c = presence;
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_unlock_shared(" + PRESENCE_KEY + ")");
            try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + PRESENCE_KEY + ")")) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            // The server is gone already (stopped or crashed): nothing to stop.
            log.debug("embedded PostgreSQL not reachable when leaving", e);
            return false;
        } finally {
            presence = null;
        }
    }
}
