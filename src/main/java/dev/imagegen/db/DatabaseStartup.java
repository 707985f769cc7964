package dev.imagegen.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.flywaydb.core.Flyway;
import org.springframework.core.env.PropertyResolver;

/**
 * The job's database made ready on a thread of its own while the Spring context is being built: the server started
 * (or joined, or the external one reached), the connection pool opened and the schema migrated. On a 2-core machine
 * the context keeps one core busy for about two seconds and the database's start and Flyway's check are mostly
 * waiting on another process, so doing them side by side takes about half a second off every command's start.
 *
 * <p>The context claims the database and the pool as beans ({@link DatabaseConfiguration}) and closes them as it
 * always did; a context that fails before claiming them leaves them to {@link #abandon()}.
 */
public final class DatabaseStartup {

    static final int MAX_POOL = 10;

    private final CompletableFuture<Ready> ready;
    private boolean databaseClaimed;
    private boolean poolClaimed;

    private record Ready(ImagegenDatabase database, HikariDataSource dataSource) {}

    private DatabaseStartup(CompletableFuture<Ready> ready) {
        this.ready = ready;
    }

    /**
     * Starts making the database ready. {@code env} names it: {@code IMAGEGEN_DB_URL} (with {@code IMAGEGEN_DB_USER}
     * and {@code IMAGEGEN_DB_PASSWORD}) for an external server, else the embedded one under {@code IMAGEGEN_HOME}.
     */
    public static DatabaseStartup begin(PropertyResolver env) {
        String url = env.getProperty("IMAGEGEN_DB_URL");
        String user = env.getProperty("IMAGEGEN_DB_USER");
        String password = env.getProperty("IMAGEGEN_DB_PASSWORD");
        Path home = Path.of(env.getProperty("IMAGEGEN_HOME", ".imagegen"));
        CompletableFuture<Ready> ready = new CompletableFuture<>();
        Thread starter = new Thread(
                () -> {
                    try {
                        ready.complete(prepare(url, user, password, home));
                    } catch (Throwable e) { // NOPMD: handed to the thread that claims the database
                        ready.completeExceptionally(e);
                    }
                },
                "imagegen:database-start");
        starter.setDaemon(true);
        starter.start();
        return new DatabaseStartup(ready);
    }

    private static Ready prepare(String url, String user, String password, Path home) {
        ImagegenDatabase database = url != null && !url.isBlank()
                ? ImagegenDatabase.external(url, user, password)
                : ImagegenDatabase.embedded(home);
        HikariDataSource pool = null;
        try {
            pool = pool(database);
            migrate(pool);
            return new Ready(database, pool);
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            database.close();
            throw e;
        }
    }

    /** At most {@value #MAX_POOL} connections, whatever the concurrency. */
    private static HikariDataSource pool(ImagegenDatabase database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(MAX_POOL);
        config.setMinimumIdle(1);
        config.setPoolName("imagegen");
        config.setConnectionTimeout(30_000);
        return new HikariDataSource(config);
    }

    /**
     * Spring Batch's tables (migration 1, from the script in its jar) and the job's own ({@code sql/migration},
     * shipped as {@code db/migration}). Flyway's validation is on: a database changed by hand stops the start.
     */
    private static void migrate(HikariDataSource pool) {
        Flyway.configure(DatabaseStartup.class.getClassLoader())
                .dataSource(pool)
                .locations("classpath:db/migration")
                .javaMigrations(new V1__SpringBatchSchema())
                .load()
                .migrate();
    }

    /** The database, once started; rethrows what stopped it (e.g. an embedded server that could not start). */
    synchronized ImagegenDatabase database() {
        databaseClaimed = true;
        return join().database();
    }

    synchronized HikariDataSource dataSource() {
        poolClaimed = true;
        return join().dataSource();
    }

    private Ready join() {
        try {
            return ready.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * For a context that failed before it claimed the database: waits for the start to end and closes what it
     * opened, so that an embedded server it started does not outlive this process. What the context claimed, its
     * beans close.
     */
    public synchronized void abandon() {
        Ready r;
        try {
            r = ready.join();
        } catch (CompletionException e) {
            return; // it did not start: nothing to close
        }
        if (!poolClaimed) {
            r.dataSource().close();
        }
        if (!databaseClaimed) {
            r.database().close();
        }
        poolClaimed = true;
        databaseClaimed = true;
    }
}
