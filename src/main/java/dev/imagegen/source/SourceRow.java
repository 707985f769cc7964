package dev.imagegen.source;

import java.util.Map;

/** One record of the source, or the reason it could not be read ({@code error} set, {@code fields} empty). */
public record SourceRow(long line, Map<String, String> fields, String error, String raw) {

    /** The error of an empty line: skipped without a record. */
    static final String BLANK = "blank line";

    static SourceRow invalid(long line, String error, String raw) {
        return new SourceRow(line, Map.of(), error, raw);
    }
}
