package dev.imagegen.batch;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** The {@code openai_batch} and {@code openai_batch_request} tables (migration V8). */
final class Batches {

    private static final String COLUMNS = """
            id, dataset, job_instance_id, part, endpoint, intent, requests, input_file_id, batch_id, status,
            completed, failed, output_file_id, error_file_id, estimated_cost_usd, collected_at IS NOT NULL AS collected
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    /**
     * @param tx a template of the job's transaction manager, or null outside a job (status, cancel). Every access
     *           runs in a transaction of its own ({@code REQUIRES_NEW}): the steps' own "transactions" are
     *           resourceless, and a connection bound to them would be held across uploads and polls.
     */
    Batches(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        if (tx != null) {
            tx.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        }
        this.tx = tx;
    }

    /** Runs one database access in a short transaction of its own (see the constructor). */
    <T> T db(java.util.function.Supplier<T> work) {
        return tx == null ? work.get() : tx.execute(status -> work.get());
    }

    private void dbRun(Runnable work) {
        db(() -> {
            work.run();
            return null;
        });
    }

    /** The dataset's batches whose results are not all stored yet, oldest first. */
    List<BatchRow> open(String dataset) {
        return db(() -> jdbc.query(
                "SELECT " + COLUMNS + " FROM openai_batch WHERE dataset = ? " + "AND collected_at IS NULL ORDER BY id",
                Batches::row,
                dataset));
    }

    /** Every batch of the dataset, newest first (for status). */
    List<BatchRow> recent(String dataset, int limit) {
        return db(() -> jdbc.query(
                "SELECT " + COLUMNS + " FROM openai_batch WHERE ?::text IS NULL OR dataset = ? "
                        + "ORDER BY id DESC LIMIT ?",
                Batches::row,
                dataset,
                dataset,
                limit));
    }

    BatchRow get(long id) {
        return db(() -> jdbc.queryForObject("SELECT " + COLUMNS + " FROM openai_batch WHERE id = ?", Batches::row, id));
    }

    private static BatchRow row(ResultSet rs, int n) throws SQLException {
        return new BatchRow(
                rs.getLong("id"),
                rs.getString("dataset"),
                rs.getLong("job_instance_id"),
                rs.getInt("part"),
                rs.getString("endpoint"),
                rs.getString("intent"),
                rs.getInt("requests"),
                rs.getString("input_file_id"),
                rs.getString("batch_id"),
                rs.getString("status"),
                rs.getInt("completed"),
                rs.getInt("failed"),
                rs.getString("output_file_id"),
                rs.getString("error_file_id"),
                rs.getDouble("estimated_cost_usd"),
                rs.getBoolean("collected"));
    }

    /** (prompt id, variant, request hash) of every request in an open batch of the dataset: not to be sent again. */
    Set<RequestKey> inFlight(String dataset) {
        Set<RequestKey> keys = new HashSet<>();
        dbRun(() -> jdbc.query(
                """
                SELECT r.prompt_id, r.variant, r.request_hash FROM openai_batch_request r
                  JOIN openai_batch b ON b.id = r.batch
                 WHERE b.dataset = ? AND b.collected_at IS NULL""",
                rs -> {
                    keys.add(new RequestKey(rs.getString(1), rs.getInt(2), rs.getString(3)));
                },
                dataset));
        return keys;
    }

    /** The requests of a batch whose results are not stored yet, by custom_id. */
    Map<String, RequestKey> uncollected(long batch) {
        Map<String, RequestKey> out = new HashMap<>();
        dbRun(() -> jdbc.query(
                "SELECT custom_id, prompt_id, variant, request_hash FROM openai_batch_request "
                        + "WHERE batch = ? AND NOT collected",
                rs -> {
                    out.put(rs.getString(1), new RequestKey(rs.getString(2), rs.getInt(3), rs.getString(4)));
                },
                batch));
        return out;
    }

    /** The intent: the batch's row and its requests, in one transaction, before anything is uploaded. */
    long persistIntent(
            String dataset,
            long instanceId,
            long executionId,
            int part,
            String endpoint,
            String intent,
            List<PlannedRequest> requests,
            long inputBytes,
            double estimatedCost) {
        return db(() -> {
            Long id = jdbc.queryForObject(
                    """
                    INSERT INTO openai_batch (dataset, job_instance_id, job_execution_id, part, endpoint, intent,
                                              requests, input_bytes, estimated_cost_usd)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                    Long.class,
                    dataset,
                    instanceId,
                    executionId,
                    part,
                    endpoint,
                    intent,
                    requests.size(),
                    inputBytes,
                    estimatedCost);
            jdbc.batchUpdate(
                    "INSERT INTO openai_batch_request (batch, custom_id, prompt_id, variant, request_hash) "
                            + "VALUES (?, ?, ?, ?, ?)",
                    requests,
                    1000,
                    (ps, r) -> {
                        ps.setLong(1, id);
                        ps.setString(2, r.customId());
                        ps.setString(3, r.key().promptId());
                        ps.setInt(4, r.key().variant());
                        ps.setString(5, r.key().requestHash());
                    });
            return id;
        });
    }

    void uploaded(long id, String fileId) {
        dbRun(() -> jdbc.update("UPDATE openai_batch SET input_file_id = ? WHERE id = ?", fileId, id));
    }

    /** An intent whose input file is gone before it was uploaded: its requests are pending again. */
    void abandon(long id) {
        dbRun(() -> jdbc.update("DELETE FROM openai_batch WHERE id = ? AND batch_id IS NULL", id));
    }

    /** The batch object the API returned (on create, adoption or a poll). */
    void update(long id, JsonNode batch) {
        JsonNode counts = batch.path("request_counts");
        JsonNode errors = batch.path("errors").path("data");
        dbRun(() -> jdbc.update(
                """
                UPDATE openai_batch SET batch_id = ?, status = ?, completed = ?, failed = ?, output_file_id = ?,
                       error_file_id = ?, errors = coalesce(?, errors), expires_at = coalesce(?, expires_at),
                       submitted_at = coalesce(submitted_at, now()), polled_at = now()
                 WHERE id = ?""",
                batch.path("id").asString(),
                batch.path("status").asString("validating"),
                counts.path("completed").asInt(0),
                counts.path("failed").asInt(0),
                text(batch, "output_file_id"),
                text(batch, "error_file_id"),
                errors.isArray() && !errors.isEmpty() ? errors.toString() : null,
                batch.path("expires_at").isNumber()
                        ? Timestamp.from(
                                Instant.ofEpochSecond(batch.path("expires_at").asLong()))
                        : null,
                id));
    }

    void markCollected(long id) {
        dbRun(() ->
                jdbc.update("UPDATE openai_batch SET collected_at = now() WHERE id = ? AND collected_at IS NULL", id));
    }

    /** The next part number of a run. */
    int nextPart(long instanceId) {
        Integer n = db(() -> jdbc.queryForObject(
                "SELECT coalesce(max(part), 0) + 1 FROM openai_batch " + "WHERE job_instance_id = ?",
                Integer.class,
                instanceId));
        return n == null ? 1 : n;
    }

    /** What the open batches of the dataset are estimated to cost: reserved against the budget until collected. */
    double reserved(String dataset) {
        Double d = db(() -> jdbc.queryForObject(
                "SELECT coalesce(sum(estimated_cost_usd), 0) FROM openai_batch "
                        + "WHERE dataset = ? AND collected_at IS NULL",
                Double.class,
                dataset));
        return d == null ? 0 : d;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    /** What identifies a request's image: prompt, variant and the request hash it was sent with. */
    record RequestKey(String promptId, int variant, String requestHash) {}

    /** A request of a batch about to be created. */
    record PlannedRequest(String customId, RequestKey key) {}
}
