package dev.imagegen.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.ImagegenApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The database is made ready beside the context (started, pooled, migrated) and the context owns it once it has
 * claimed it; a context that fails must not leave an embedded server running behind a process that is gone.
 */
class DatabaseStartupTests {

    @TempDir
    Path home;

    @Test
    void aContextGetsItsDatabaseMigratedAndStopsTheEmbeddedServerWhenItCloses() {
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(null, embeddedIn(home))) {
            JdbcTemplate jdbc = new JdbcTemplate(ctx.getBean(DataSource.class));
            assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_instance", Integer.class))
                    .isZero();
            assertThat(jdbc.queryForObject(
                            "SELECT max(version::int) FROM flyway_schema_history WHERE success", Integer.class))
                    .isEqualTo(migrationsShipped());
            assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNotNull();
        }
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();
    }

    /** Fails before the context has made a bean (its configuration is read), or while it makes them. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "spring.config.import=file:/no/such/imagegen-config.properties",
                "spring.jackson.default-property-inclusion=no-such-inclusion"
            })
    void aContextThatFailsToStartStopsTheServerItsDatabaseStartStarted(String breaking) throws Exception {
        Map<String, Object> broken = new HashMap<>(embeddedIn(home));
        broken.put(breaking.substring(0, breaking.indexOf('=')), breaking.substring(breaking.indexOf('=') + 1));

        assertThatThrownBy(() -> ImagegenApplication.start(null, broken)).isInstanceOf(RuntimeException.class);
        awaitDatabaseStartThreads();

        assertThat(Files.exists(ImagegenDatabase.dataDirectory(home).resolve("PG_VERSION")))
                .as("the database was started")
                .isTrue();
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();
    }

    @Test
    void anAbandonedStartClosesWhatItOpenedAndAClaimedOneIsLeftToItsOwner() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", embeddedIn(home)));

        DatabaseStartup unclaimed = DatabaseStartup.begin(env);
        unclaimed.abandon();
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();

        DatabaseStartup claimed = DatabaseStartup.begin(env);
        ImagegenDatabase database = claimed.database();
        claimed.abandon();
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNotNull();
        database.close();
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();
    }

    @Test
    void aServerThatCannotStartIsReportedToTheContextWithWhatToChange() throws Exception {
        Files.writeString(home.resolve("pgdata"), "a file where the data directory goes");
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", embeddedIn(home)));

        DatabaseStartup startup = DatabaseStartup.begin(env);

        assertThatThrownBy(startup::database)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot start the embedded PostgreSQL")
                .hasMessageContaining("IMAGEGEN_HOME");
        startup.abandon(); // nothing to close
    }

    /** Waits until no database start of this JVM is still running (it might start a server after the check). */
    private static void awaitDatabaseStartThreads() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("imagegen:database-start")) {
                t.join();
            }
        }
    }

    /** The embedded server under {@code home}, whatever database the environment of the test run names. */
    private static Map<String, Object> embeddedIn(Path home) {
        return Map.of(
                ImagegenApplication.JOB_PROPERTY, "false", "IMAGEGEN_DB_URL", "", "IMAGEGEN_HOME", home.toString());
    }

    private static int migrationsShipped() {
        try (var files = Files.list(Path.of("sql/migration"))) {
            return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                            .count()
                    + 1; // V1 is Spring Batch's, a Java migration
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
