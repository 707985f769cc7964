package dev.imagegen.spec;

import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Where prompt rows come from: a CSV/TSV file ({@code csv}) or a database query ({@code jdbc}), exactly one of them.
 * For a CSV/TSV file, {@code quote} is {@code null} when quoting is off (the TSV default, because TSV prompts carry
 * bare double quotes). {@code referenceColumn}, when set, names the column of reference images (file paths relative
 * to the job file, or http(s) URLs, split at {@code referenceSeparator}); a local reference must lie inside
 * {@code referenceRoot} (the job file's directory unless {@code source.reference-root} says otherwise).
 */
public record SourceSpec(
        Path csv,
        char delimiter,
        Character quote,
        Charset encoding,
        String idColumn,
        String promptColumn,
        int maxPromptLength,
        String referenceColumn,
        String referenceSeparator,
        JdbcSourceSpec jdbc,
        Path referenceRoot) {

    public boolean hasIdColumn() {
        return idColumn != null;
    }

    public boolean hasReferenceColumn() {
        return referenceColumn != null;
    }

    public boolean isJdbc() {
        return jdbc != null;
    }

    /** How rejects name the source: the file name, or the database target (never its password). */
    public String name() {
        return isJdbc() ? jdbc.target() : csv.getFileName().toString();
    }
}
