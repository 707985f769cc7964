package dev.imagegen.spec;

import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Where prompt rows come from. For a CSV/TSV file, {@code quote} is {@code null} when quoting is off (the TSV
 * default, because TSV prompts carry bare double quotes). {@code referenceColumn}, when set, names the column of
 * reference images (file paths relative to the job file, or http(s) URLs, split at {@code referenceSeparator}).
 */
public record SourceSpec(Path csv, char delimiter, Character quote, Charset encoding, String idColumn,
                         String promptColumn, int maxPromptLength, String referenceColumn,
                         String referenceSeparator) {

    public boolean hasIdColumn() {
        return idColumn != null;
    }

    public boolean hasReferenceColumn() {
        return referenceColumn != null;
    }
}
