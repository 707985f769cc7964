package dev.imagegen.batch;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.catalog.RerunSelection;
import dev.imagegen.generate.OutcomeWriter;
import dev.imagegen.generate.PromptOutcome;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.openai.OpenAiImagesModel;
import dev.imagegen.reference.BadReferenceException;
import dev.imagegen.reference.ReferenceImage;
import dev.imagegen.reference.ReferenceLoader;
import dev.imagegen.spec.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code submit} step: the run's pending requests ({@link PendingPrompts}, minus those already in an open
 * batch) written as Batch API input files, split by endpoint and within {@code model.batch} limits, each uploaded
 * and created as a batch. For each batch the intent (its requests and a random token) is persisted before the create
 * and the batch id after it; a restart finishes an intent left by a crash, first looking for its batch by the token
 * in the batches' metadata, so a batch is never created twice. The budget: each batch's estimate is reserved before
 * it is created, and what would pass {@code run.max-cost-usd} is not submitted.
 *
 * <p>The parts: {@link InputPart} (an input file being written), {@link BatchCreation} (an intent turned into
 * exactly one batch). Over 250 lines because the planning loop keeps the pending pages, the budget and the parts'
 * limits together: each request's decision depends on all three.
 */
final class SubmitTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(SubmitTasklet.class);
    static final String GENERATIONS = "/v1/images/generations";
    static final String EDITS = "/v1/images/edits";
    private static final int PAGE = 500;

    private final JobSpec spec;
    private final Batches batches;
    private final BatchCreation creation;
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
        this.batches = batches;
        this.creation = new BatchCreation(spec, api, batches);
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
                    creation.finish(b, true);
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
        if (guard.ending() != StopSignal.Ending.NONE) {
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
        Map<String, InputPart> parts = new LinkedHashMap<>();
        PendingPrompts pending = PendingPrompts.of(
                spec.dataset(),
                instance,
                spec.model().imagesPerPrompt(),
                step.getJobExecution().getJobParameters().getString(RerunSelection.PARAMETER));
        Map<String, Object> params = pending.params();
        String sql = "SELECT " + PendingPrompts.COLUMNS + " FROM " + pending.from() + " WHERE " + PendingPrompts.WHERE
                + " AND prompt_id > :after ORDER BY prompt_id LIMIT " + PAGE;
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
                if (guard.ending() != StopSignal.Ending.NONE) {
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
                    double planned = parts.values().stream()
                            .mapToDouble(InputPart::estimate)
                            .sum();
                    if (max != null && committed + planned + estimate > max) {
                        state.budgetReached(String.format(
                                "budget reached: $%.4f spent or reserved by batches, "
                                        + "and the next request is estimated at $%.4f, over run.max-cost-usd $%.2f; the rest "
                                        + "stays pending",
                                committed + planned, estimate, max));
                        break pages;
                    }
                    String customId = InputPart.customId(spec.dataset(), key);
                    byte[] line = InputPart.line(
                            json,
                            customId,
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
                    InputPart part = parts.get(endpoint);
                    if (part != null && !part.fits(line.length)) {
                        committed += submit(step, part);
                        submitted++;
                        parts.remove(endpoint);
                        part = null;
                    }
                    if (part == null) {
                        part = new InputPart(
                                stagingDir(spec),
                                spec.model().batch(),
                                endpoint,
                                UUID.randomUUID().toString());
                        parts.put(endpoint, part);
                    }
                    part.add(new Batches.PlannedRequest(customId, key), line, estimate);
                }
            }
        }
        for (InputPart part : new ArrayList<>(parts.values())) {
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
    private double submit(StepExecution step, InputPart part) throws Exception {
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
        creation.finish(batches.get(id), false);
        return part.estimate();
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

    private record Pending(
            String promptId, String prompt, String requestHash, String referencesJson, List<Integer> done) {}
}
