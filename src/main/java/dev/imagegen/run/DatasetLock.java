package dev.imagegen.run;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import dev.imagegen.db.ImagegenDatabase;

/**
 * One run per dataset at a time, across processes and machines: a PostgreSQL session advisory lock held on a
 * connection of its own (outside the pool) for the whole run. If the process dies, the server drops the lock with
 * the connection, so holding it also proves that any execution of this dataset still marked running is dead.
 */
public final class DatasetLock implements AutoCloseable {

    private final Connection connection;

    private DatasetLock(Connection connection) {
        this.connection = connection;
    }

    /** @return the lock, or null when another run of the dataset holds it */
    public static DatasetLock tryAcquire(ImagegenDatabase database, String dataset) throws SQLException {
        Properties props = new Properties();
        if (database.user() != null) {
            props.setProperty("user", database.user());
        }
        if (database.password() != null) {
            props.setProperty("password", database.password());
        }
        props.setProperty("ApplicationName", "imagegen lock " + dataset);
        Connection c = DriverManager.getConnection(database.url(), props);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
            ps.setString(1, "imagegen-dataset:" + dataset);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return new DatasetLock(c);
                }
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        c.close();
        return null;
    }

    @Override
    public void close() throws SQLException {
        // Unlock explicitly: on close alone the server drops the lock only when the backend process has exited,
        // a moment after the client returns, and a run started right after (a scheduler's next slot) found the
        // dataset still locked.
        try (java.sql.Statement s = connection.createStatement()) {
            s.execute("SELECT pg_advisory_unlock_all()");
        } finally {
            connection.close();
        }
    }
}
