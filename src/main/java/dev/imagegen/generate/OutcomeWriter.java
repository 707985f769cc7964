package dev.imagegen.generate;

import dev.imagegen.db.DbText;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.store.StoredImage;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records a chunk's outcomes in one short transaction: a {@code generated_image} row per stored image (batched
 * upsert, so an adopted image after a crash simply lands), the {@code prompt_failure} rows of skipped calls, the
 * resolution of earlier failures that now succeeded, and the ledger's {@code model_call} row of every attempt made
 * for them. One transaction, so that a kill leaves neither a paid image without its ledger row nor the reverse. The
 * files are already on disk when this runs.
 */
public class OutcomeWriter implements ItemWriter<PromptOutcome> {

    /**
     * More rows that must commit with a chunk's outcomes (the batch provider marks the results it has collected, so
     * that a resumed collect skips exactly them). Runs inside the chunk's transaction, after its rows.
     */
    @FunctionalInterface
    public interface AlsoInCommit {
        void write(JdbcTemplate jdbc, List<? extends PromptOutcome> outcomes);

        AlsoInCommit NOTHING = (jdbc, outcomes) -> {};
    }

    private static final String UPSERT_IMAGE = """
            INSERT INTO generated_image (dataset, prompt_id, variant, file_path, media_type, width, height, bytes,
                sha256, request_hash, model, provider, generation_id, seed, cost_usd, cost_estimated, prompt_tokens,
                completion_tokens, latency_ms, attempts, adopted, job_execution_id, job_instance_id, call_index,
                call_images)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (dataset, prompt_id, variant) DO UPDATE SET
                file_path = EXCLUDED.file_path, media_type = EXCLUDED.media_type, width = EXCLUDED.width,
                height = EXCLUDED.height, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256,
                request_hash = EXCLUDED.request_hash, model = EXCLUDED.model, provider = EXCLUDED.provider,
                generation_id = EXCLUDED.generation_id, seed = EXCLUDED.seed, cost_usd = EXCLUDED.cost_usd,
                cost_estimated = EXCLUDED.cost_estimated, prompt_tokens = EXCLUDED.prompt_tokens,
                completion_tokens = EXCLUDED.completion_tokens, latency_ms = EXCLUDED.latency_ms,
                attempts = EXCLUDED.attempts, adopted = EXCLUDED.adopted,
                job_execution_id = EXCLUDED.job_execution_id, job_instance_id = EXCLUDED.job_instance_id,
                call_index = EXCLUDED.call_index, call_images = EXCLUDED.call_images, created_at = now()
            """;
    private static final String RESOLVE = """
            UPDATE prompt_failure SET resolved_at = now()
             WHERE dataset = ? AND prompt_id = ? AND variant = ? AND resolved_at IS NULL
            """;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final RunGuard guard;
    private final String dataset;
    private final long executionId;
    private final long instanceId;
    private final RunFence fence;
    private final StepExecution stepExecution;
    private final AlsoInCommit alsoInCommit;

    OutcomeWriter(
            JdbcTemplate jdbc,
            TransactionTemplate tx,
            RunGuard guard,
            String dataset,
            StepExecution stepExecution,
            RunFence fence) {
        this(jdbc, tx, guard, dataset, stepExecution, fence, AlsoInCommit.NOTHING);
    }

    public OutcomeWriter(
            JdbcTemplate jdbc,
            TransactionTemplate tx,
            RunGuard guard,
            String dataset,
            StepExecution stepExecution,
            RunFence fence,
            AlsoInCommit alsoInCommit) {
        this.alsoInCommit = alsoInCommit;
        this.jdbc = jdbc;
        this.tx = tx;
        this.guard = guard;
        this.dataset = dataset;
        this.fence = fence;
        this.stepExecution = stepExecution;
        this.executionId = stepExecution.getJobExecution().getId();
        this.instanceId = stepExecution.getJobExecution().getJobInstance().getId();
    }

    @Override
    public void write(Chunk<? extends PromptOutcome> chunk) {
        List<StoredImage> images = new ArrayList<>();
        List<PromptOutcome.CallFailure> failures = new ArrayList<>();
        List<Ledger.Entry> calls = new ArrayList<>();
        for (PromptOutcome outcome : chunk) {
            images.addAll(outcome.images());
            failures.addAll(outcome.failures());
            calls.addAll(outcome.calls());
        }
        if (!images.isEmpty() || !failures.isEmpty() || !calls.isEmpty()) {
            try {
                tx.executeWithoutResult(status -> {
                    fence.beforeCommit(stepExecution);
                    insertImages(images);
                    insertFailures(failures);
                    Ledger.insert(jdbc, dataset, executionId, instanceId, calls);
                    alsoInCommit.write(jdbc, chunk.getItems());
                });
            } catch (RunFence.Lost e) {
                // Not ours to commit: the files stay on disk for whoever runs these prompts; this partition stops.
                guard.stop(e.getMessage());
                stepExecution.setTerminateOnly();
                return;
            }
            guard.recordCommitted(
                    calls.stream().mapToDouble(e -> e.attempt().costUsd()).sum(),
                    calls.stream().mapToLong(e -> e.attempt().imagesStored()).sum(),
                    failures.size());
        }
        if (guard.ending() == StopSignal.Ending.FAIL) {
            // Written first, so nothing paid for is lost; then the partition fails and with it the run.
            throw new RunFailedException(guard.reason());
        }
    }

    private void insertImages(List<StoredImage> images) {
        if (images.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(UPSERT_IMAGE, images, images.size(), (ps, i) -> {
            var s = i.sidecar();
            ps.setString(1, dataset);
            ps.setString(2, i.promptId());
            ps.setInt(3, i.variant());
            ps.setString(4, i.relativePath());
            ps.setString(5, i.mediaType());
            ps.setInt(6, i.width());
            ps.setInt(7, i.height());
            ps.setLong(8, i.bytes());
            ps.setString(9, i.sha256());
            ps.setString(10, s.requestHash());
            ps.setString(11, DbText.clean(s.model()));
            ps.setString(12, DbText.clean(s.provider()));
            ps.setString(13, DbText.clean(s.generationId()));
            ps.setObject(14, s.seed());
            ps.setDouble(15, s.costUsd());
            ps.setBoolean(16, s.costEstimated());
            ps.setLong(17, s.promptTokens());
            ps.setLong(18, s.completionTokens());
            ps.setLong(19, s.latencyMs());
            ps.setInt(20, Math.max(1, s.attempts()));
            ps.setBoolean(21, i.adopted());
            ps.setLong(22, executionId);
            ps.setLong(23, instanceId);
            ps.setInt(24, s.callIndex());
            ps.setInt(25, Math.max(1, s.callImages()));
        });
        jdbc.batchUpdate(RESOLVE, images, images.size(), (ps, i) -> {
            ps.setString(1, dataset);
            ps.setString(2, i.promptId());
            ps.setInt(3, i.variant());
        });
    }

    private void insertFailures(List<PromptOutcome.CallFailure> failures) {
        insertFailures(jdbc, dataset, executionId, instanceId, failures);
    }

    private static final String INSERT_FAILURE = """
            INSERT INTO prompt_failure (dataset, prompt_id, variant, kind, http_status, message, attempts, cost_usd,
                                        job_execution_id, job_instance_id, flagged_input, model_slug)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;

    /** The {@code prompt_failure} rows of skipped calls (inside the caller's transaction). */
    static void insertFailures(
            JdbcTemplate jdbc,
            String dataset,
            long executionId,
            long instanceId,
            List<PromptOutcome.CallFailure> failures) {
        if (failures.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(INSERT_FAILURE, failures, failures.size(), (ps, f) -> {
            ps.setString(1, dataset);
            ps.setString(2, f.promptId());
            ps.setInt(3, f.variant());
            ps.setString(4, f.kind());
            ps.setObject(5, f.httpStatus());
            ps.setString(6, DbText.clean(f.message()));
            ps.setInt(7, f.attempts());
            ps.setObject(8, f.costUsd());
            ps.setLong(9, executionId);
            ps.setLong(10, instanceId);
            ps.setString(11, DbText.clean(f.flaggedInput()));
            ps.setString(12, DbText.clean(f.modelSlug()));
        });
    }

    /** The run crossed a line (skip limit) that fails it. */
    static final class RunFailedException extends RuntimeException {
        RunFailedException(String message) {
            super(message);
        }
    }
}
