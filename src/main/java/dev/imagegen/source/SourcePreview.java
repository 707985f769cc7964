package dev.imagegen.source;

import dev.imagegen.spec.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * The source read as staging reads it — the same reader, the same validation, ids and request hashes — but with
 * nothing written: for {@code imagegen plan}, which compares the source with the {@code prompt} table. Prompts are
 * handed over in batches so that a large source never sits in memory; duplicate ids are the caller's to drop (first
 * one wins, as in staging).
 */
public final class SourcePreview {

    /** A row that would be staged: its id, its request hash and its source line. */
    public record Prompt(String promptId, String requestHash, long line) {}

    /** What the whole source gave: rows read (blank lines not counted) and rows staging would reject. */
    public record Totals(long rows, long rejected) {}

    private final JobSpec spec;

    public SourcePreview(JobSpec spec) {
        this.spec = spec;
    }

    /**
     * Reads every row; {@code batch} receives the valid prompts {@code batchSize} at a time, in source order.
     *
     * @throws SourceUnavailableException when the source database cannot be read
     */
    public Totals read(int batchSize, Consumer<List<Prompt>> batch) {
        PromptStager stager = new PromptStager(spec);
        ItemStreamReader<SourceRow> reader = spec.source().isJdbc()
                ? new JdbcSource(spec.source()).reader()
                : SourceReader.of(new CsvSource(spec.source()).reader());
        long rows = 0;
        long rejected = 0;
        List<Prompt> pending = new ArrayList<>(batchSize);
        reader.open(new ExecutionContext());
        try {
            for (SourceRow row = reader.read(); row != null; row = reader.read()) {
                StagedRow staged = stager.process(row);
                if (staged == null) {
                    continue; // a blank line: staging skips it without a record
                }
                rows++;
                if (staged instanceof StagedRow.Prompt p) {
                    pending.add(new Prompt(p.promptId(), p.requestHash(), p.line()));
                    if (pending.size() >= batchSize) {
                        batch.accept(List.copyOf(pending));
                        pending.clear();
                    }
                } else {
                    rejected++;
                }
            }
            if (!pending.isEmpty()) {
                batch.accept(List.copyOf(pending));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        } finally {
            reader.close();
        }
        return new Totals(rows, rejected);
    }
}
