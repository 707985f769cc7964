package dev.imagegen.testing;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What every functional test starts from: a temporary directory for the job file and its output, a database on the
 * test PostgreSQL (a fresh one per test unless {@link #database()} says otherwise), and a fake OpenRouter server.
 * Whatever a test adds — another fake server, a child JVM started with {@link #imagegen()} — it hands to {@link
 * #closeAfterTest}, and it is closed after the test in reverse order, the default server last.
 *
 * <p>Most functional tests run the command line in this JVM ({@link TestJob}); {@link #imagegen()} runs it in a child
 * JVM, for what one JVM cannot show (see {@link ImagegenProcess}).
 */
public abstract class FunctionalTest {

    @TempDir
    protected Path dir;

    protected FakeOpenRouter server;
    protected TestDatabase db;
    protected JdbcTemplate jdbc;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    @BeforeEach
    void startFixture() {
        server = closeAfterTest(new FakeOpenRouter());
        db = database();
        jdbc = db.jdbc();
    }

    @AfterEach
    void stopFixture() throws Exception {
        Exception first = null;
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * The test's database: a fresh one. A class whose tests share one (e.g. with workers started once for the class)
     * returns that one.
     */
    protected TestDatabase database() {
        return TestDatabase.fresh();
    }

    /** Closes {@code resource} after this test (before what was registered earlier); returns it. */
    protected final <T extends AutoCloseable> T closeAfterTest(T resource) {
        toClose.push(resource);
        return resource;
    }

    /**
     * The real command line in a child JVM working in {@link #dir} on this test's database; a child still running
     * when the test ends is killed.
     */
    protected final ImagegenProcess.Launcher imagegen() {
        return ImagegenProcess.in(dir).database(db).onStart(this::closeAfterTest);
    }
}
