package dev.imagegen.batch;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Turns a committed batch intent into exactly one batch: uploads its input file (unless done), creates the batch
 * with the intent's token in its metadata, and records the batch id. After a crash the batch is first looked for by
 * that token, and a create that failed after the request went out is looked up before it is tried again, so a batch
 * is never created twice.
 */
final class BatchCreation {

    private static final Logger log = LoggerFactory.getLogger(BatchCreation.class);
    /** How far back the list of batches is searched for an intent's batch (newest first). */
    private static final int MAX_LIST_PAGES = 50;

    private final JobSpec spec;
    private final OpenAiBatchApi api;
    private final Batches batches;

    BatchCreation(JobSpec spec, OpenAiBatchApi api, Batches batches) {
        this.spec = spec;
        this.api = api;
        this.batches = batches;
    }

    /**
     * Uploads the intent's input file (unless done) and creates its batch, or adopts the batch a dead process
     * created for it.
     *
     * @param resumed whether a crash may have come after the create (then the batch is looked for first)
     */
    void finish(BatchRow b, boolean resumed) throws Exception {
        Path file = SubmitTasklet.stagingDir(spec).resolve(b.intent() + ".jsonl");
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

    private static Map<String, String> metadata(BatchRow b) {
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
}
