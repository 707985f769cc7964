package dev.imagegen.source;

import dev.imagegen.spec.JdbcSourceSpec;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.SourceSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.jdbc.core.RowMapper;

/**
 * A PostgreSQL query as the prompt source ({@code source.jdbc}), on its own connection that may point at another
 * server than the job's database. Rows are streamed through a server-side cursor ({@code fetch-size} rows at a time,
 * in a read-only transaction), so a source of millions of rows is staged in bounded memory. Each row becomes a
 * {@link SourceRow} keyed by column label, numbered from 1 in query order; a restart re-runs the query and skips the
 * rows already staged, so the query should have a stable order (an {@code ORDER BY} on the id).
 */
public final class JdbcSource {

    private static final Logger log = LoggerFactory.getLogger(JdbcSource.class);

    private final SourceSpec spec;
    private final JdbcSourceSpec jdbc;

    public JdbcSource(SourceSpec spec) {
        this.spec = spec;
        this.jdbc = spec.jdbc();
    }

    /** The source's own connections: not pooled (one for the check, one per staging), read-only. */
    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbc.url());
        if (jdbc.user() != null) {
            ds.setUser(jdbc.user());
        }
        if (jdbc.password().isPresent()) {
            ds.setPassword(jdbc.password().reveal());
        }
        ds.setApplicationName("imagegen source");
        ds.setReadOnly(true);
        if (!jdbc.url().contains("connectTimeout=")) {
            ds.setConnectTimeout(10);
        }
        return ds;
    }

    /**
     * Before a run: connects, has the server describe the query (without running it) and checks the job file's
     * column names against the columns it returns.
     *
     * @throws SourceUnavailableException when the database cannot be reached or the query is wrong (exit 1)
     * @throws JobFileException when a configured column is not among the query's columns (exit 2)
     */
    public List<String> checkColumns(PromptTemplate template) {
        List<String> columns;
        try (Connection c = dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(jdbc.query())) {
            ResultSetMetaData md = ps.getMetaData();
            if (md == null || md.getColumnCount() == 0) {
                throw new JobFileException("source.jdbc.query: returns no columns; write a SELECT that returns an "
                        + "id column and a prompt column");
            }
            columns = labels(md);
        } catch (SQLException e) {
            throw unavailable(e);
        }
        List<String> seen = new ArrayList<>();
        for (String column : columns) {
            if (seen.contains(column)) {
                throw new JobFileException("source.jdbc.query: returns two columns named '" + column + "'; give "
                        + "them different names with AS");
            }
            seen.add(column);
        }
        if (!columns.contains(spec.promptColumn())) {
            throw new JobFileException("source.prompt-column: the query returns no column '" + spec.promptColumn()
                    + "'; its columns are " + columns + " (set source.prompt-column to one of them, or add "
                    + "AS " + spec.promptColumn() + " to the query)");
        }
        if (spec.idColumn() != null && !columns.contains(spec.idColumn())) {
            throw new JobFileException("source.id-column: the query returns no column '" + spec.idColumn() + "'; its "
                    + "columns are " + columns + " (or leave id-column out to derive ids from each row's content)");
        }
        if (spec.referenceColumn() != null && !columns.contains(spec.referenceColumn())) {
            throw new JobFileException("source.reference-column: the query returns no column '" + spec.referenceColumn()
                    + "'; its columns are " + columns);
        }
        for (String column : template.columns()) {
            if (!column.equals("prompt") && !columns.contains(column)) {
                throw new JobFileException("model.prompt-template: {" + column + "} is not a column of the query; "
                        + "its columns are " + columns);
            }
        }
        return columns;
    }

    /** The restartable reader of the stage step: its position (rows read) is saved with every chunk. */
    SourceReader reader() {
        JdbcCursorItemReader<SourceRow> cursor = new JdbcCursorItemReaderBuilder<SourceRow>()
                .name("jdbcSource")
                .dataSource(dataSource())
                .sql(jdbc.query())
                .fetchSize(jdbc.fetchSize())
                // PostgreSQL streams with a cursor only outside autocommit; otherwise it loads every row at once.
                .connectionAutoCommit(false)
                .rowMapper(new RowToSourceRow())
                .build();
        return new SourceReader(cursor, this::unavailable);
    }

    private SourceUnavailableException unavailable(SQLException e) {
        log.debug("source query failed", e);
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = oneLine(e.getMessage()).replaceAll("\\.+$", "");
        boolean connection =
                state.startsWith("08") || state.startsWith("28") || state.equals("3D000") || state.isEmpty();
        return new SourceUnavailableException(
                connection
                        ? "cannot connect to the source database (source.jdbc) " + jdbc.target() + ": " + message
                        : "the source query (source.jdbc.query) failed on " + jdbc.target() + ": " + message);
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        return message.strip()
                .lines()
                .map(String::strip)
                .reduce((a, b) -> a + " (" + b + ")")
                .orElse(message);
    }

    private static List<String> labels(ResultSetMetaData md) throws SQLException {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            names.add(md.getColumnLabel(i));
        }
        return names;
    }

    /** Column label → text value (PostgreSQL's text form for numbers, dates, arrays, JSON); NULL stays null. */
    private static final class RowToSourceRow implements RowMapper<SourceRow> {

        private List<String> labels;

        @Override
        public SourceRow mapRow(ResultSet rs, int rowNumber) throws SQLException {
            if (labels == null) {
                labels = labels(rs.getMetaData());
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                fields.put(labels.get(i), rs.getString(i + 1));
            }
            return new SourceRow(rowNumber, fields, null, null);
        }
    }
}
