package dev.imagegen.batch;

import dev.imagegen.generate.PromptOutcome;
import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CostBasis;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.openai.OpenAiErrors;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.store.ImageSidecar;
import dev.imagegen.store.ImageStore;
import dev.imagegen.store.StoredImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import tools.jackson.databind.JsonNode;

/**
 * One result line into what every provider produces: an image stored by {@link ImageStore} (atomic file and sidecar)
 * or a failure of the usual kinds, as a {@link PromptOutcome} for the generate step's writer. A request that never ran
 * ({@code batch_expired}, {@code batch_cancelled}) produces nothing: it stays pending for the next submit.
 *
 * <p>The work (PNG check, hash, writing and fsyncing the files) runs on {@link #WORKERS} threads while the reader
 * goes on streaming the result file: {@link #process} hands a line over and returns its outcome to come, which
 * {@link CollectWriter} waits for before the chunk's rows commit. At most a chunk of lines is in flight (the step
 * reads no further before its writer ran), and the hand-over queue is bounded too, so memory stays bounded. The
 * directories' fsync is left to the writer, once per directory and chunk ({@link #syncDirectories}).
 */
class CollectProcessor implements ItemProcessor<BatchLine, Future<PromptOutcome>>, AutoCloseable {

    static final String PROVIDER = "OpenAI Batch";
    /** Two cores: one thread reads, these overlap CPU (hash, PNG check) with the fsyncs' waits. */
    static final int WORKERS = 4;

    private final ModelSpec spec;
    private final ImageStore store;
    private final RunGuard guard;
    private final StepExecution step;
    private final ThreadPoolExecutor workers;
    /** The line each outcome came from, for the writer (identity: outcomes of one chunk may be equal). */
    private final Map<PromptOutcome, Origin> origins = new IdentityHashMap<>();

    /** Which request of which batch an outcome answers ({@code customId} null: the end of the batch). */
    record Origin(long batch, String customId) {}

    CollectProcessor(ModelSpec spec, ImageStore store, RunGuard guard, StepExecution step, int chunk) {
        this.spec = spec;
        this.store = store;
        this.guard = guard;
        this.step = step;
        AtomicInteger n = new AtomicInteger();
        // Bounded: a line the queue has no room for is processed by the reading thread itself.
        this.workers = new ThreadPoolExecutor(
                WORKERS,
                WORKERS,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(chunk),
                r -> {
                    Thread t = new Thread(r, "collect-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /**
     * The fsync of the directories the chunk's images went to, before their rows commit: on the workers (idle by
     * then), so that the fsyncs of a chunk's directories wait for the disk together.
     */
    void syncDirectories(List<StoredImage> images) throws InterruptedException, ExecutionException {
        Map<String, List<StoredImage>> byDirectory = new HashMap<>();
        for (StoredImage i : images) {
            String rel = i.relativePath();
            byDirectory
                    .computeIfAbsent(rel.substring(0, rel.lastIndexOf('/') + 1), d -> new ArrayList<>())
                    .add(i);
        }
        List<Future<?>> syncs = new ArrayList<>();
        for (List<StoredImage> group : byDirectory.values()) {
            syncs.add(workers.submit(() -> store.syncDirectories(group)));
        }
        for (Future<?> f : syncs) {
            f.get();
        }
    }

    /** At the end of the step: lets the lines handed over finish (a failed chunk's), so no file is written after. */
    @Override
    public void close() throws InterruptedException {
        workers.shutdown();
        if (!workers.awaitTermination(5, TimeUnit.MINUTES)) {
            workers.shutdownNow();
        }
    }

    /** The line an outcome came from (and forgets it). */
    synchronized Origin originOf(PromptOutcome outcome) {
        return origins.remove(outcome);
    }

    @Override
    public Future<PromptOutcome> process(BatchLine line) {
        return workers.submit(() -> outcomeOf(line));
    }

    private PromptOutcome outcomeOf(BatchLine line) throws IOException {
        PromptOutcome outcome =
                line.isEnd() ? new PromptOutcome(null, List.of(), List.of(), List.of(), false) : outcome(line);
        synchronized (this) {
            origins.put(outcome, new Origin(line.batch(), line.customId()));
        }
        return outcome;
    }

    private PromptOutcome outcome(BatchLine line) throws IOException {
        Batches.RequestKey key = line.key();
        List<StoredImage> images = new ArrayList<>();
        List<PromptOutcome.CallFailure> failures = new ArrayList<>();
        List<Ledger.Entry> calls = new ArrayList<>();
        if (line.error() != null) {
            String code = line.error().path("code").asString("");
            if (!code.equals("batch_expired") && !code.equals("batch_cancelled")) {
                failures.add(failure(
                        key,
                        FailureKind.TRANSIENT,
                        null,
                        code + ": " + line.error().path("message").asString("no message"),
                        null));
                calls.add(call(key, line, FailureKind.TRANSIENT.id(), null, 0, CostBasis.NONE, 0));
            }
        } else if (line.statusCode() != null && line.statusCode() == 200) {
            double cost = BatchCost.billed(spec, line.usage());
            guard.recordAttempt(new CallAttempt(
                    1, CallAttempt.OK, 200, cost, CostBasis.ESTIMATED, null, null, null, 0, null, null, 1, 0, false));
            // Priced from the answer's usage at the batch's half price, as the Images API's answers are (estimated).
            if (line.images().isEmpty()) {
                failures.add(failure(key, FailureKind.NO_IMAGE, 200, "the response has no image (empty data)", cost));
                calls.add(call(key, line, FailureKind.NO_IMAGE.id(), 200, cost, CostBasis.ESTIMATED, 0));
            } else {
                String declared = line.outputFormat() == null ? null : "image/" + line.outputFormat();
                try {
                    ImageData image = ImageProbe.inspect(line.images().get(0), declared);
                    JsonNode usage = line.usage();
                    ImageSidecar sidecar = new ImageSidecar(
                            key.promptId(),
                            key.variant(),
                            key.requestHash(),
                            spec.name(),
                            PROVIDER,
                            line.requestId(),
                            null,
                            cost,
                            true,
                            usage == null ? 0 : usage.path("input_tokens").asLong(0),
                            usage == null ? 0 : usage.path("output_tokens").asLong(0),
                            0,
                            1);
                    images.add(store.storeSyncingDirectoryLater(image, sidecar));
                    calls.add(call(key, line, CallAttempt.OK, 200, cost, CostBasis.ESTIMATED, 1));
                    guard.recordImage(0);
                } catch (ImageProbe.InvalidImageException e) {
                    failures.add(failure(key, FailureKind.INVALID_IMAGE, 200, e.getMessage(), cost));
                    calls.add(call(key, line, FailureKind.INVALID_IMAGE.id(), 200, cost, CostBasis.ESTIMATED, 0));
                }
            }
        } else {
            int status = line.statusCode() == null ? 0 : line.statusCode();
            ModelCallException e = OpenAiErrors.classify(
                    status, line.responseError(), null, spec.apiKey().reveal());
            if (e.kind().action() == FailureKind.Action.STOP) {
                // As for a synchronous call: not the row's fault; it stays pending and the run stops.
                guard.stop("OpenAI refused a batch request (" + e.kind().id() + ", HTTP " + status + "): "
                        + e.getMessage() + "; fix it, then run again (the request is submitted again)");
            } else {
                failures.add(failure(key, e.kind(), status, e.getMessage(), null));
                // A request the API refused is not billed.
                calls.add(call(key, line, e.kind().id(), status, 0, CostBasis.NONE, 0));
            }
        }
        return new PromptOutcome(key.promptId(), images, failures, calls, false);
    }

    /** The ledger's row of one result: a batch request is one attempt, never retried by us. */
    private Ledger.Entry call(
            Batches.RequestKey key,
            BatchLine line,
            String outcome,
            Integer status,
            double cost,
            CostBasis basis,
            int stored) {
        JsonNode usage = line.usage();
        Long in = usage == null ? null : usage.path("input_tokens").asLong(0);
        Long out = usage == null ? null : usage.path("output_tokens").asLong(0);
        return new Ledger.Entry(
                key.promptId(),
                key.variant(),
                new CallAttempt(
                        1,
                        outcome,
                        status,
                        cost,
                        basis,
                        line.requestId(),
                        spec.name(),
                        PROVIDER,
                        0,
                        in,
                        out,
                        1,
                        stored,
                        false));
    }

    private static PromptOutcome.CallFailure failure(
            Batches.RequestKey key, FailureKind kind, Integer status, String message, Double cost) {
        return new PromptOutcome.CallFailure(key.promptId(), key.variant(), kind.id(), status, message, 1, cost);
    }
}
