package dev.imagegen.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A real PostgreSQL for the tests: one embedded server per test JVM (the same zonky binaries the product uses), and
 * a fresh database on it for each test that asks, so tests never see each other's rows.
 */
public final class TestDatabase {

    private static EmbeddedPostgres server;
    private static final AtomicInteger counter = new AtomicInteger();

    private final String url;

    private TestDatabase(String url) {
        this.url = url;
    }

    public static synchronized TestDatabase fresh() {
        try {
            if (server == null) {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "300")
                        .start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        server.close();
                    } catch (IOException ignored) {
                        // the JVM is going away
                    }
                }));
            }
            String name = "t" + ProcessHandle.current().pid() + "_" + counter.incrementAndGet();
            try (Connection c = server.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            return new TestDatabase("jdbc:postgresql://localhost:" + server.getPort() + "/" + name);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot start the test PostgreSQL", e);
        }
    }

    public String url() {
        return url;
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    public JdbcTemplate jdbc() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser(user());
        ds.setPassword(password());
        return new JdbcTemplate(ds);
    }
}
