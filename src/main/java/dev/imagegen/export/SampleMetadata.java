package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.store.SafeNames;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The metadata every export carries for an image, in snake_case as training code expects: the prompt as written
 * and as sent, the model and provider that answered, the seed, the source row's other columns as
 * {@code attributes}, and the file's facts.
 */
final class SampleMetadata {

    private final JsonMapper json;

    SampleMetadata(JsonMapper json) {
        this.json = json;
    }

    /** A sample key without dots or slashes, unique per (prompt id, variant): {@code <safe id>_v<variant>}. */
    static String key(ImageRecord r) {
        return (SafeNames.stem(r.promptId()) + "_v" + r.variant()).replace('.', '_');
    }

    static String extension(ImageRecord r) {
        String p = r.filePath();
        return p.substring(p.lastIndexOf('.') + 1);
    }

    /** The caption: what the model was asked to draw. */
    static String caption(ImageRecord r) {
        return r.renderedPrompt() != null ? r.renderedPrompt() : r.prompt() == null ? "" : r.prompt();
    }

    ObjectNode of(ImageRecord r) {
        ObjectNode n = json.createObjectNode();
        fill(n, r);
        return n;
    }

    /** Adds the fields to {@code n} after whatever it already holds (ImageFolder wants file_name first). */
    ObjectNode fill(ObjectNode n, ImageRecord r) {
        n.put("id", r.promptId());
        n.put("variant", r.variant());
        n.put("prompt", r.prompt());
        n.put("rendered_prompt", r.renderedPrompt());
        n.put("model", r.model());
        n.put("provider", r.provider());
        if (r.seed() == null) {
            n.putNull("seed");
        } else {
            n.put("seed", r.seed());
        }
        n.set("attributes", attributes(r.attributesJson()));
        n.put("width", r.width());
        n.put("height", r.height());
        n.put("media_type", r.mediaType());
        n.put("bytes", r.bytes());
        n.put("sha256", r.sha256());
        n.put("request_hash", r.requestHash());
        n.put("generation_id", r.generationId());
        n.put("cost_usd", r.costUsd());
        n.put("created_at", r.createdAt().toString());
        n.put("dataset", r.dataset());
        n.put("run_id", r.runId());
        return n;
    }

    private JsonNode attributes(String text) {
        if (text == null || text.isBlank()) {
            return json.createObjectNode();
        }
        return json.readTree(text);
    }

    JsonMapper json() {
        return json;
    }

    String line(ObjectNode n) {
        return json.writeValueAsString(n);
    }
}
