package dev.imagegen.spec;

import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Where prompt rows come from. For a CSV/TSV file, {@code quote} is {@code null} when quoting is off (the TSV
 * default, because TSV prompts carry bare double quotes).
 */
public record SourceSpec(Path csv, char delimiter, Character quote, Charset encoding, String idColumn,
                         String promptColumn, int maxPromptLength) {

    public boolean hasIdColumn() {
        return idColumn != null;
    }
}
