package dev.imagegen.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What every functional test starts from: a temporary directory for the job file and its output, a fresh database
 * on the test PostgreSQL, and a fake OpenRouter server that is closed afterwards.
 */
public abstract class FunctionalTest {

    @TempDir
    protected Path dir;

    protected FakeOpenRouter server;
    protected TestDatabase db;
    protected JdbcTemplate jdbc;

    @BeforeEach
    void startFixture() {
        server = new FakeOpenRouter();
        db = TestDatabase.fresh();
        jdbc = db.jdbc();
    }

    @AfterEach
    void stopFixture() {
        server.close();
    }
}
