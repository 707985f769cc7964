package dev.imagegen.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several imagegen processes on one embedded server: whoever starts it, the server stays up while any of them uses
 * it and stops when the last one leaves. (Each {@link ImagegenDatabase} here stands for one process.)
 */
class EmbeddedDatabaseSharingTests {

    @TempDir
    Path home;

    @Test
    void twoStartingAtOnceShareOneServerThatOutlivesItsStarterAndStopsWithTheLastUser() throws Exception {
        CompletableFuture<ImagegenDatabase> first =
                CompletableFuture.supplyAsync(() -> ImagegenDatabase.embedded(home));
        CompletableFuture<ImagegenDatabase> second =
                CompletableFuture.supplyAsync(() -> ImagegenDatabase.embedded(home));
        List<ImagegenDatabase> both = List.of(first.get(), second.get());
        assertThat(both).filteredOn(ImagegenDatabase::startedServer).hasSize(1);
        assertThat(both.get(0).url()).isEqualTo(both.get(1).url());
        ImagegenDatabase owner = both.stream()
                .filter(ImagegenDatabase::startedServer)
                .findFirst()
                .orElseThrow();
        ImagegenDatabase joiner =
                both.stream().filter(d -> !d.startedServer()).findFirst().orElseThrow();
        execute(joiner, "CREATE TABLE survives (n int)");

        owner.close();

        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNotNull();
        execute(joiner, "INSERT INTO survives VALUES (1)");

        joiner.close();

        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();
        assertThatThrownBy(() -> execute(joiner, "SELECT 1")).isInstanceOf(SQLException.class);
    }

    @Test
    void theStarterStopsItsServerOnlyAfterTheLastJoinerLeavesAndTheDataStays() throws Exception {
        ImagegenDatabase owner = ImagegenDatabase.embedded(home);
        ImagegenDatabase joiner = ImagegenDatabase.embedded(home);
        assertThat(owner.startedServer()).isTrue();
        assertThat(joiner.startedServer()).isFalse();
        execute(owner, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");

        joiner.close();
        execute(owner, "SELECT 1");

        owner.close();
        assertThat(RunningServer.port(ImagegenDatabase.dataDirectory(home))).isNull();

        ImagegenDatabase again = ImagegenDatabase.embedded(home);
        try {
            assertThat(again.startedServer()).isTrue();
            try (Connection c = connect(again);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT n FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        } finally {
            again.close();
        }
    }

    private static void execute(ImagegenDatabase db, String sql) throws SQLException {
        try (Connection c = connect(db);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection connect(ImagegenDatabase db) throws SQLException {
        return DriverManager.getConnection(db.url(), db.user(), db.password());
    }
}
