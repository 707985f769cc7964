package dev.imagegen.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionDefinition;

/**
 * The transactions Spring Batch's job repository starts on its own (a partition's start and end, its execution
 * context, a job execution's status) commit without waiting for the WAL flush ({@code SET LOCAL synchronous_commit =
 * off}); everything else keeps the server's {@code synchronous_commit = on}.
 *
 * <p>Why that keeps every durability guarantee: PostgreSQL writes WAL in order, so the next synchronous commit (an
 * image row, a failure row, a cost) flushes every bookkeeping commit before it. A power cut can only lose the
 * bookkeeping of the last moment after the last money row, i.e. leave the job repository as a kill slightly earlier
 * would have left it, and a restart recovers from any such moment (the pending query and the adoption of files
 * on disk make a partition's re-run free). A repository call inside another transaction (a stage chunk, whose rows
 * and reader position commit together) joins that one and commits with it, synchronously.
 */
final class BookkeepingTransactionManager extends JdbcTransactionManager {

    BookkeepingTransactionManager(DataSource dataSource) {
        super(dataSource);
    }

    @Override
    protected void prepareTransactionalConnection(Connection con, TransactionDefinition definition)
            throws SQLException {
        super.prepareTransactionalConnection(con, definition);
        try (Statement s = con.createStatement()) {
            s.execute("SET LOCAL synchronous_commit = off");
        }
    }
}
