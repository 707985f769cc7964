package dev.imagegen.source;

import dev.imagegen.model.RequestHash;
import dev.imagegen.reference.BadReferenceException;
import dev.imagegen.reference.ReferenceImage;
import dev.imagegen.reference.ReferenceResolver;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.support.Sha256;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Validates a source row and turns it into a prompt: its id (from the id column, or derived from the row's content —
 * never from its line number, so reordering or adding rows keeps ids stable), the rendered prompt, its request hash
 * and its partition bucket. Bad rows become rejections, never exceptions.
 */
final class PromptStager implements ItemProcessor<SourceRow, StagedRow> {

    static final int BUCKETS = 1 << 16;
    private static final int MAX_ID_LENGTH = 512;
    /** The reason prefix of rows skipped for their reference images, like the failure kind of the same name. */
    static final String BAD_REFERENCE = "bad_reference";

    private final JobSpec spec;
    private final PromptTemplate template;
    private ReferenceResolver referenceResolver;

    PromptStager(JobSpec spec) {
        this.spec = spec;
        this.template = new PromptTemplate(spec.model().promptTemplate());
    }

    @Override
    public StagedRow process(SourceRow row) {
        if (row.error() != null) {
            return SourceRow.BLANK.equals(row.error())
                    ? null
                    : new StagedRow.Reject(row.line(), null, row.error(), row.raw());
        }
        String promptColumn = spec.source().promptColumn();
        String idColumn = spec.source().idColumn();
        String prompt = strip(row.fields().get(promptColumn));
        Map<String, String> attributes = new LinkedHashMap<>(row.fields());
        attributes.remove(promptColumn);
        String id = null;
        if (idColumn != null) {
            id = strip(attributes.remove(idColumn));
            if (id.isEmpty()) {
                return reject(row, null, "empty id in column '" + idColumn + "'");
            }
            if (id.length() > MAX_ID_LENGTH) {
                return reject(row, id.substring(0, 40) + "…", "id longer than " + MAX_ID_LENGTH + " characters");
            }
            if (hasControl(id)) {
                return reject(row, null, "id contains control characters");
            }
        }
        if (prompt.isEmpty()) {
            return reject(
                    row,
                    id,
                    (row.fields().get(promptColumn) == null ? "no prompt (NULL)" : "empty prompt") + " in column '"
                            + promptColumn + "'");
        }
        if (prompt.length() > spec.source().maxPromptLength()) {
            return reject(
                    row,
                    id,
                    "prompt of " + prompt.length() + " characters is longer than " + "source.max-prompt-length ("
                            + spec.source().maxPromptLength() + ")");
        }
        if (hasControl(prompt)) {
            return reject(row, id, "prompt contains control characters");
        }
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            // PostgreSQL text and jsonb cannot hold NUL: such a row could never be stored.
            if (attribute.getValue() != null && attribute.getValue().indexOf('\u0000') >= 0) {
                return reject(row, id, "column '" + attribute.getKey() + "' contains a NUL character");
            }
        }
        if (id == null) {
            id = derivedId(prompt, attributes);
        }
        String rendered = template.render(prompt, promptColumn, withId(attributes, idColumn, id));
        if (rendered.isBlank()) {
            // Nothing to send: a call would pay for a picture of nothing (and every such row for the same one).
            return reject(
                    row,
                    id,
                    "the rendered prompt is empty: model.prompt-template '"
                            + spec.model().promptTemplate() + "' gives nothing for this row");
        }
        List<ReferenceImage> references;
        try {
            references = spec.source().hasReferenceColumn()
                    ? references().resolve(row.fields().get(spec.source().referenceColumn()))
                    : List.of();
        } catch (BadReferenceException e) {
            return reject(row, id, BAD_REFERENCE + ": " + e.getMessage());
        }
        return new StagedRow.Prompt(
                row.line(),
                id,
                prompt,
                rendered,
                attributes,
                RequestHash.of(
                        spec.model(),
                        rendered,
                        references.stream().map(ReferenceImage::sha256).toList()),
                bucket(id),
                references);
    }

    /** The row's columns for the template, the id column included (it is not an attribute of the prompt). */
    private static Map<String, String> withId(Map<String, String> attributes, String idColumn, String id) {
        if (idColumn == null || attributes.containsKey(idColumn)) {
            return attributes;
        }
        Map<String, String> columns = new LinkedHashMap<>(attributes);
        columns.put(idColumn, id);
        return columns;
    }

    /** One resolver per staging pass, so its cache sees each reference file once. */
    private ReferenceResolver references() {
        if (referenceResolver == null) {
            referenceResolver = new ReferenceResolver(
                    spec.source().referenceRoot(), spec.source().referenceSeparator());
        }
        return referenceResolver;
    }

    private static StagedRow.Reject reject(SourceRow row, String id, String reason) {
        String content = row.fields().values().stream().map(String::valueOf).collect(Collectors.joining("|"));
        return new StagedRow.Reject(row.line(), id, reason, content);
    }

    static String derivedId(String prompt, Map<String, String> attributes) {
        StringBuilder content = new StringBuilder(prompt);
        attributes.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e ->
                        content.append('\u0000').append(e.getKey()).append('=').append(e.getValue()));
        return "p-" + Sha256.hex(content.toString()).substring(0, 20);
    }

    static int bucket(String id) {
        String hex = Sha256.hex(id);
        return Integer.parseInt(hex.substring(0, 4), 16) % BUCKETS;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static String strip(String s) {
        return s == null ? "" : s.strip();
    }
}
