package dev.imagegen.batch;

import dev.imagegen.generate.OutcomeWriter;
import dev.imagegen.generate.PendingQuery;
import dev.imagegen.generate.PromptOutcome;
import dev.imagegen.generate.RerunSelection;
import dev.imagegen.generate.RunGuard;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.openai.OpenAiImagesModel;
import dev.imagegen.reference.BadReferenceException;
import dev.imagegen.reference.ReferenceImage;
import dev.imagegen.reference.ReferenceLoader;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.support.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code submit} step: the run's pending requests (the generate step's own query, minus those already in an open
 * batch) written as Batch API input files, split by endpoint and within {@code model.batch} limits, each uploaded
 * and created as a batch. For each batch the intent (its requests and a random token) is persisted before the create
 * and the batch id after it; a restart finishes an intent left by a crash, first looking for its batch by the token
 * in the batches' metadata, so a batch is never created twice. The budget: each batch's estimate is reserved before
 * it is created, and what would pass {@code run.max-cost-usd} is not submitted.
 */
final class SubmitTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(SubmitTasklet.class);
    static final String GENERATIONS = "/v1/images/generations";
    static final String EDITS = "/v1/images/edits";
    private static final int PAGE = 500;
    /** How far back the list of batches is searched for an intent's batch (newest first). */
    private static final int MAX_LIST_PAGES = 50;

    private final JobSpec spec;
    private final OpenAiBatchApi api;
    private final Batches batches;
    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final RunGuard guard;
    private final BatchRunState state;
    private final OpenAiImagesModel bodies;
    private final java.util.function.Function<StepExecution, OutcomeWriter> writers;

    SubmitTasklet(
            JobSpec spec,
            OpenAiBatchApi api,
            Batches batches,
            JdbcTemplate jdbc,
            JsonMapper json,
            RunGuard guard,
            BatchRunState state,
            java.util.function.Function<StepExecution, OutcomeWriter> writers) {
        this.spec = spec;
        this.api = api;
        this.batches = batches;
        this.jdbc = jdbc;
        this.json = json;
        this.guard = guard;
        this.state = state;
        this.writers = writers;
        this.bodies = new OpenAiImagesModel(spec.model(), null, json, null);
    }

    /** Where the input files are written before upload (kept until the batch exists). */
    static Path stagingDir(JobSpec spec) {
        return spec.output().dir().resolve(".openai-batch");
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        try {
            for (BatchRow b : batches.open(spec.dataset())) {
                if (!b.created()) {
                    log.info(
                            "finishing batch {} of run {} left by a process that died while submitting it",
                            b.part(),
                            b.instanceId());
                    finish(b, true);
                }
            }
            removeStrayInputFiles();
            plan(step);
        } catch (ModelCallException e) {
            if (e.kind().action() == FailureKind.Action.STOP) {
                guard.stop("OpenAI refused the batch (" + e.kind().id()
                        + (e.httpStatus() == null ? "" : ", HTTP " + e.httpStatus()) + "): " + e.getMessage()
                        + "; fix it, then restart");
                step.setTerminateOnly();
                return RepeatStatus.FINISHED;
            }
            throw new IllegalStateException(
                    "submitting a batch failed (" + e.kind().id() + "): " + e.getMessage()
                            + "; restart to try again (nothing is submitted twice)",
                    e);
        }
        if (guard.ending() != RunGuard.Ending.NONE) {
            step.setTerminateOnly();
        }
        return RepeatStatus.FINISHED;
    }

    /** The pending requests, page by page, into parts; each full part is submitted before the next page is read. */
    private void plan(StepExecution step) throws Exception {
        long instance = step.getJobExecution().getJobInstance().getId();
        Set<Batches.RequestKey> inFlight = batches.inFlight(spec.dataset());
        Double max = spec.run().maxCostUsd();
        // The run's spend is the ledger's (all its executions); open batches are reserved at their estimates.
        double committed = max == null
                ? 0
                : batches.db(() -> Ledger.ofRun(jdbc, instance).totalUsd().doubleValue())
                        + batches.reserved(spec.dataset());
        CallCostEstimate ledgerEstimate = CallCostEstimate.of(spec.model(), null, jdbc, spec.dataset());
        // Generations and edits go to separate batches (a batch has one endpoint); generations first.
        Map<String, Part> parts = new LinkedHashMap<>();
        Map<String, Object> params = new HashMap<>(Map.of(
                "dataset",
                spec.dataset(),
                "instance",
                instance,
                "count",
                1,
                "index",
                0,
                "variants",
                spec.model().imagesPerPrompt()));
        String rerun = step.getJobExecution().getJobParameters().getString(RerunSelection.PARAMETER);
        String sql = "SELECT prompt_id, rendered_prompt, request_hash, reference_images, done FROM "
                + PendingQuery.from(rerun, params) + " WHERE cardinality(done) < :variants AND prompt_id > :after"
                + " ORDER BY prompt_id LIMIT " + PAGE;
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        String after = "";
        int submitted = 0;
        List<PromptOutcome> badReferences = new ArrayList<>();
        pages:
        while (true) {
            params.put("after", after);
            List<Pending> page = batches.db(() -> named.query(
                    sql,
                    params,
                    (rs, n) -> new Pending(
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Arrays.asList((Integer
                                            [])
                                    rs.getArray(5).getArray()))));
            if (page.isEmpty()) {
                break;
            }
            for (Pending p : page) {
                after = p.promptId();
                if (guard.ending() != RunGuard.Ending.NONE) {
                    break pages;
                }
                List<String> refs;
                try {
                    refs = ReferenceLoader.urls(references(p.referencesJson()));
                } catch (BadReferenceException e) {
                    badReferences.add(badReference(p, e));
                    continue;
                }
                String endpoint = refs.isEmpty() ? GENERATIONS : EDITS;
                for (int variant = 0; variant < spec.model().imagesPerPrompt(); variant++) {
                    Batches.RequestKey key = new Batches.RequestKey(p.promptId(), variant, p.requestHash());
                    if (p.done().contains(variant) || inFlight.contains(key)) {
                        continue;
                    }
                    double estimate = BatchCost.reserve(ledgerEstimate, spec.model(), p.prompt(), refs.size());
                    double planned =
                            parts.values().stream().mapToDouble(Part::estimate).sum();
                    if (max != null && committed + planned + estimate > max) {
                        state.budgetReached(String.format(
                                "budget reached: $%.4f spent or reserved by batches, "
                                        + "and the next request is estimated at $%.4f, over run.max-cost-usd $%.2f; the rest "
                                        + "stays pending",
                                committed + planned, estimate, max));
                        break pages;
                    }
                    byte[] line = line(
                            customId(key),
                            endpoint,
                            bodies.requestBody(new ImageRequest(p.promptId(), variant, p.prompt(), null, 1, refs)));
                    if (line.length > spec.model().batch().maxFileBytes()) {
                        badReferences.add(new PromptOutcome(
                                p.promptId(),
                                List.of(),
                                List.of(new PromptOutcome.CallFailure(
                                        p.promptId(),
                                        variant,
                                        FailureKind.BAD_REQUEST.id(),
                                        null,
                                        "the request is " + line.length + " bytes (its reference images), "
                                                + "more than a batch input file may hold (model.batch.max-file-size)",
                                        0,
                                        null)),
                                List.of(),
                                false));
                        continue;
                    }
                    Part part = parts.get(endpoint);
                    if (part != null && !part.fits(line.length)) {
                        committed += submit(step, part);
                        submitted++;
                        parts.remove(endpoint);
                        part = null;
                    }
                    if (part == null) {
                        part = new Part(endpoint, UUID.randomUUID().toString());
                        parts.put(endpoint, part);
                    }
                    part.add(new Batches.PlannedRequest(customId(key), key), line, estimate);
                }
            }
        }
        for (Part part : new ArrayList<>(parts.values())) {
            committed += submit(step, part);
            submitted++;
        }
        if (!badReferences.isEmpty()) {
            writers.apply(step).write(new Chunk<>(badReferences));
        }
        log.info("submitted {} batches for dataset {}", submitted, spec.dataset());
    }

    private PromptOutcome badReference(Pending p, BadReferenceException e) {
        List<PromptOutcome.CallFailure> failures = new ArrayList<>();
        for (int variant = 0; variant < spec.model().imagesPerPrompt(); variant++) {
            if (!p.done().contains(variant)) {
                failures.add(new PromptOutcome.CallFailure(
                        p.promptId(), variant, FailureKind.BAD_REFERENCE.id(), null, e.getMessage(), 0, null));
                guard.recordSkip(FailureKind.BAD_REFERENCE.id());
            }
        }
        return new PromptOutcome(p.promptId(), List.of(), failures, List.of(), false);
    }

    private List<ReferenceImage> references(String text) {
        return text == null || text.equals("[]") ? List.of() : List.of(json.readValue(text, ReferenceImage[].class));
    }

    /** @return the part's estimate, now reserved */
    private double submit(StepExecution step, Part part) throws Exception {
        part.close();
        long instance = step.getJobExecution().getJobInstance().getId();
        int number = batches.nextPart(instance);
        long id = batches.persistIntent(
                spec.dataset(),
                instance,
                step.getJobExecution().getId(),
                number,
                part.endpoint,
                part.intent,
                part.requests,
                part.bytes,
                part.estimate());
        finish(batches.get(id), false);
        return part.estimate();
    }

    /**
     * Uploads the intent's input file (unless done) and creates its batch, or adopts the batch a dead process
     * created for it.
     *
     * @param resumed whether a crash may have come after the create (then the batch is looked for first)
     */
    private void finish(BatchRow b, boolean resumed) throws Exception {
        Path file = stagingDir(spec).resolve(b.intent() + ".jsonl");
        String fileId = b.inputFileId();
        if (fileId == null) {
            if (!Files.exists(file)) {
                // Never uploaded, so never created: its requests are simply pending again.
                log.warn("batch intent {} has no input file any more; its requests are planned again", b.intent());
                batches.abandon(b.id());
                return;
            }
            fileId = api.upload(file, "imagegen-" + b.intent() + ".jsonl");
            batches.uploaded(b.id(), fileId);
        }
        JsonNode batch = resumed ? findByIntent(b.intent()) : null;
        if (batch != null) {
            log.info(
                    "adopted batch {} (created before a crash, found by its metadata)",
                    batch.path("id").asString());
        } else {
            batch = create(b, fileId);
        }
        batches.update(b.id(), batch);
        Files.deleteIfExists(file);
        log.info(
                "batch {} ({} requests to {}) is {}",
                batch.path("id").asString(),
                b.requests(),
                b.endpoint(),
                batch.path("status").asString());
    }

    /** Creates the batch; a failure after the request went out (it may exist) is looked up before trying again. */
    private JsonNode create(BatchRow b, String fileId) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return api.create(fileId, b.endpoint(), metadata(b));
            } catch (ModelCallException e) {
                if (e.kind().action() != FailureKind.Action.RETRY
                        || attempt >= spec.run().retry().maxAttempts()) {
                    throw e;
                }
                JsonNode existing = findByIntent(b.intent());
                if (existing != null) {
                    return existing;
                }
                Thread.sleep(spec.run().retry().initialDelay().toMillis() << (attempt - 1));
            }
        }
    }

    private Map<String, String> metadata(BatchRow b) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("imagegen_dataset", b.dataset());
        m.put("imagegen_run", String.valueOf(b.instanceId()));
        m.put("imagegen_part", String.valueOf(b.part()));
        m.put("imagegen_intent", b.intent());
        return m;
    }

    /** The batch whose metadata carries this intent, paging through the account's batches (newest first). */
    private JsonNode findByIntent(String intent) throws Exception {
        String after = null;
        for (int page = 0; page < MAX_LIST_PAGES; page++) {
            JsonNode list = api.list(after, 100);
            for (JsonNode batch : list.path("data")) {
                if (intent.equals(batch.path("metadata").path("imagegen_intent").asString(null))) {
                    return batch;
                }
                after = batch.path("id").asString();
            }
            if (!list.path("has_more").asBoolean(false) || after == null) {
                return null;
            }
        }
        return null;
    }

    /** Input files of intents that never reached the database (a crash while writing one). */
    private void removeStrayInputFiles() throws IOException {
        Path dir = stagingDir(spec);
        if (!Files.isDirectory(dir)) {
            return;
        }
        Set<String> known = new java.util.HashSet<>();
        batches.open(spec.dataset()).forEach(b -> known.add(b.intent() + ".jsonl"));
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!known.contains(f.getFileName().toString())) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** One line of an input file: {@code {custom_id, method, url, body}}. */
    private byte[] line(String customId, String endpoint, ObjectNode body) {
        ObjectNode line = json.createObjectNode();
        line.put("custom_id", customId);
        line.put("method", "POST");
        line.put("url", endpoint);
        line.set("body", body);
        byte[] bytes = json.writeValueAsBytes(line);
        byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
        withNewline[bytes.length] = '\n';
        return withNewline;
    }

    /** A stable id of (dataset, prompt, variant, request hash): the same request always has the same custom_id. */
    String customId(Batches.RequestKey key) {
        String canonical = spec.dataset() + "\n" + key.promptId() + "\n" + key.variant() + "\n" + key.requestHash();
        return "ig-" + Sha256.hex(canonical).substring(0, 40);
    }

    private record Pending(
            String promptId, String prompt, String requestHash, String referencesJson, List<Integer> done) {}

    /** A batch being written: its input file, requests and estimate. */
    private final class Part {
        final String endpoint;
        final String intent;
        final List<Batches.PlannedRequest> requests = new ArrayList<>();
        final java.io.FileOutputStream file;
        final OutputStream out;
        long bytes;
        double estimate;

        Part(String endpoint, String intent) throws IOException {
            this.endpoint = endpoint;
            this.intent = intent;
            Files.createDirectories(stagingDir(spec));
            this.file = new java.io.FileOutputStream(
                    stagingDir(spec).resolve(intent + ".jsonl").toFile());
            this.out = new BufferedOutputStream(file, 1 << 16);
        }

        boolean fits(int lineBytes) {
            return requests.size() < spec.model().batch().maxRequests()
                    && bytes + lineBytes <= spec.model().batch().maxFileBytes();
        }

        void add(Batches.PlannedRequest request, byte[] line, double cost) throws IOException {
            out.write(line);
            requests.add(request);
            bytes += line.length;
            estimate += cost;
        }

        double estimate() {
            return estimate;
        }

        /** Flushed and synced: the intent that names this file is committed next. */
        void close() throws IOException {
            out.flush();
            file.getFD().sync();
            out.close();
        }
    }
}
