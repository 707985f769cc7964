package dev.imagegen.batch;

import dev.imagegen.generate.OutcomeWriter;
import dev.imagegen.generate.PromptOutcome;
import dev.imagegen.store.StoredImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Waits for the chunk's outcomes ({@link CollectProcessor} makes them on its workers), fsyncs the directories of
 * their files, writes them with the generate step's {@link OutcomeWriter} (image and failure rows, in one
 * transaction with the marks of the requests they answer), then marks the batches whose every line is read.
 */
class CollectWriter implements ItemWriter<Future<PromptOutcome>> {

    private final CollectProcessor processor;
    private final Batches batches;
    private OutcomeWriter outcomes;
    /** Whether the outcome writer's transaction ran (it does not when the run's fence is lost). */
    private boolean committed;

    CollectWriter(CollectProcessor processor, Batches batches) {
        this.processor = processor;
        this.batches = batches;
    }

    void outcomeWriter(OutcomeWriter writer) {
        this.outcomes = writer;
    }

    /** What the outcome writer commits with a chunk's rows: its requests are collected. */
    OutcomeWriter.AlsoInCommit marks() {
        return (JdbcTemplate jdbc, List<? extends PromptOutcome> chunk) -> {
            committed = true;
            List<Object[]> rows = new ArrayList<>();
            for (PromptOutcome o : chunk) {
                CollectProcessor.Origin line = processor.originOf(o);
                if (line != null && line.customId() != null) {
                    rows.add(new Object[] {line.batch(), line.customId()});
                }
            }
            jdbc.batchUpdate(
                    "UPDATE openai_batch_request SET collected = true WHERE batch = ? AND custom_id = ?", rows);
        };
    }

    @Override
    public void write(Chunk<? extends Future<PromptOutcome>> pending) throws Exception {
        Chunk<PromptOutcome> chunk = new Chunk<>(done(pending));
        List<StoredImage> stored = new ArrayList<>();
        chunk.forEach(o -> stored.addAll(o.images()));
        // The files are durable before their rows commit: each was fsynced before its rename, now their directories.
        processor.syncDirectories(stored);
        List<Long> ended = new ArrayList<>();
        for (PromptOutcome o : chunk) {
            if (o.promptId() == null) {
                CollectProcessor.Origin end = processor.originOf(o);
                if (end != null) {
                    ended.add(end.batch());
                }
            }
        }
        boolean rows = chunk.getItems().stream()
                .anyMatch(o -> !o.images().isEmpty() || !o.failures().isEmpty());
        committed = false;
        outcomes.write(chunk);
        chunk.forEach(processor::originOf); // those without rows (a request that never ran): nothing to mark
        if (rows && !committed) {
            return; // the fence was lost: nothing of this chunk is ours to record
        }
        // After the rows of its last lines are committed: a batch marked collected has all its results stored.
        ended.forEach(batches::markCollected);
    }

    /**
     * The chunk's outcomes in the order of its lines. Waits for every one even when one failed, so that nothing of a
     * failed chunk is still being written when the step ends; then the first failure is the chunk's.
     */
    private static List<PromptOutcome> done(Chunk<? extends Future<PromptOutcome>> pending) throws Exception {
        List<PromptOutcome> outcomes = new ArrayList<>(pending.size());
        Throwable failure = null;
        for (Future<PromptOutcome> f : pending) {
            try {
                outcomes.add(f.get());
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            }
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return outcomes;
    }
}
