package dev.imagegen.source;

import dev.imagegen.reference.ReferenceImage;
import java.util.List;
import java.util.Map;

/** What staging makes of a source row: a prompt to upsert, or a rejection to record. */
sealed interface StagedRow {

    long line();

    record Prompt(
            long line,
            String promptId,
            String prompt,
            String renderedPrompt,
            Map<String, String> attributes,
            String requestHash,
            int bucket,
            List<ReferenceImage> references)
            implements StagedRow {}

    record Reject(long line, String promptId, String reason, String content) implements StagedRow {}
}
