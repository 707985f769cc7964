package dev.imagegen.batch;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.JobSpec;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lines of the result files of every batch that has ended and is not collected yet: its output file, then its
 * error file, streamed, then an {@link BatchLine#end} line. Lines whose request is already collected (a collect
 * that was interrupted) are skipped, so nothing is stored twice; the position is not saved, the request rows know.
 */
class CollectReader implements ItemStreamReader<BatchLine> {

    private static final Logger log = LoggerFactory.getLogger(CollectReader.class);

    private final JobSpec spec;
    private final OpenAiBatchApi api;
    private final Batches batches;
    private final JsonMapper json;
    private final RunGuard guard;
    private final BatchRunState state;
    private final StepExecution step;
    private final Deque<BatchRow> todo = new ArrayDeque<>();
    private final Deque<String> files = new ArrayDeque<>();
    private BatchRow current;
    private Map<String, Batches.RequestKey> uncollected;
    private ResultFileReader reader;
    private InputStream stream;

    CollectReader(
            JobSpec spec,
            OpenAiBatchApi api,
            Batches batches,
            JsonMapper json,
            RunGuard guard,
            BatchRunState state,
            StepExecution step) {
        this.spec = spec;
        this.api = api;
        this.batches = batches;
        this.json = json;
        this.guard = guard;
        this.state = state;
        this.step = step;
    }

    @Override
    public void open(ExecutionContext context) {
        todo.clear();
        for (BatchRow b : batches.open(spec.dataset())) {
            if (b.created() && b.isTerminal()) {
                todo.add(b);
            }
        }
    }

    @Override
    public BatchLine read() throws Exception {
        while (true) {
            if (reader != null) {
                BatchLine line = reader.next();
                if (line != null) {
                    Batches.RequestKey key = uncollected.remove(line.customId());
                    if (key != null) {
                        return line.of(key);
                    }
                    continue; // stored by an earlier collect, or not ours
                }
                closeFile();
            }
            if (current != null && !files.isEmpty()) {
                openFile(files.poll());
                continue;
            }
            if (current != null) {
                BatchRow done = current;
                current = null;
                return BatchLine.end(done.id());
            }
            if (todo.isEmpty()) {
                finished();
                return null;
            }
            current = todo.poll();
            uncollected = batches.uncollected(current.id());
            if (current.outputFileId() != null) {
                files.add(current.outputFileId());
            }
            if (current.errorFileId() != null) {
                files.add(current.errorFileId());
            }
            log.info(
                    "collecting batch {} ({}): {} results to store",
                    current.batchId(),
                    current.status(),
                    uncollected.size());
        }
    }

    private void openFile(String fileId) throws ModelCallException, InterruptedException {
        stream = api.content(fileId);
        reader = new ResultFileReader(json, stream, current.id());
    }

    private void closeFile() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        if (stream != null) {
            try {
                stream.close();
            } catch (java.io.IOException ignored) {
                // read to the end already
            }
            stream = null;
        }
    }

    /** All collected: a run the budget kept from submitting everything ends STOPPED (the rest stays pending). */
    private void finished() {
        if (state.budgetReason() != null) {
            guard.stop(state.budgetReason());
            step.setTerminateOnly();
        }
    }

    @Override
    public void update(ExecutionContext context) {}

    @Override
    public void close() throws ItemStreamException {
        closeFile();
    }
}
