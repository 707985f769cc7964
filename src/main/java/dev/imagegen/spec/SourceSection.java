package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.blankToNull;
import static dev.imagegen.spec.FieldValues.positive;
import static dev.imagegen.spec.FieldValues.require;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The job file's {@code source:} section: a CSV or TSV file, or a PostgreSQL query, and the columns. */
final class SourceSection {

    private SourceSection() {}

    static SourceSpec read(RawJobFile.Source s, Path baseDir) {
        if (s == null || s.csv() == null && s.jdbc() == null) {
            throw new JobFileException("source: missing; name the CSV or TSV file of prompts, relative to the "
                    + "job file, e.g. source: { csv: prompts.csv }, or a database query with source.jdbc: "
                    + "{ url, user, password, query }");
        }
        if (s.csv() != null && s.jdbc() != null) {
            throw new JobFileException("source: give either source.csv or source.jdbc, not both");
        }
        String promptColumn = s.promptColumn() == null ? "prompt" : s.promptColumn();
        int maxLength = positive("source.max-prompt-length", s.maxPromptLength(), 32_000);
        if (s.jdbc() != null) {
            for (String[] csvOnly :
                    new String[][] {{"delimiter", s.delimiter()}, {"quote", s.quote()}, {"encoding", s.encoding()}}) {
                if (csvOnly[1] != null) {
                    throw new JobFileException("source." + csvOnly[0] + ": only applies to source.csv; remove "
                            + "it when the prompts come from source.jdbc");
                }
            }
            return new SourceSpec(
                    null,
                    ',',
                    null,
                    StandardCharsets.UTF_8,
                    blankToNull(s.idColumn()),
                    promptColumn,
                    maxLength,
                    blankToNull(s.referenceColumn()),
                    referenceSeparator(s.referenceSeparator()),
                    jdbc(s.jdbc()),
                    referenceRoot(s.referenceRoot(), baseDir));
        }
        Path csv = baseDir.resolve(s.csv()).normalize();
        if (!Files.isRegularFile(csv)) {
            throw new JobFileException("source.csv: file " + csv + " not found; paths are relative to the job "
                    + "file's directory (" + baseDir + ")");
        }
        boolean tsv = csv.getFileName().toString().toLowerCase().endsWith(".tsv");
        char delimiter = delimiter(s.delimiter(), tsv);
        Character quote = quote(s.quote(), tsv);
        Charset encoding;
        try {
            encoding = Charset.forName(s.encoding() == null ? "UTF-8" : s.encoding());
        } catch (RuntimeException e) {
            throw new JobFileException("source.encoding: '" + s.encoding() + "' is not a known charset; "
                    + "use e.g. UTF-8 or ISO-8859-1");
        }
        return new SourceSpec(
                csv,
                delimiter,
                quote,
                encoding,
                blankToNull(s.idColumn()),
                promptColumn,
                maxLength,
                blankToNull(s.referenceColumn()),
                referenceSeparator(s.referenceSeparator()),
                null,
                referenceRoot(s.referenceRoot(), baseDir));
    }

    /** Local reference images are read only from inside this directory (and never through a link out of it). */
    private static Path referenceRoot(String text, Path baseDir) {
        if (text == null) {
            return baseDir;
        }
        Path root = baseDir.resolve(text.strip()).normalize();
        if (text.isBlank() || !Files.isDirectory(root)) {
            throw new JobFileException("source.reference-root: " + root + " is not a directory; name the "
                    + "directory that holds the reference images (relative to the job file), or leave it out to "
                    + "use the job file's directory");
        }
        return root;
    }

    private static String referenceSeparator(String text) {
        if (text == null) {
            return "|";
        }
        if (text.isEmpty() || text.isBlank()) {
            throw new JobFileException(
                    "source.reference-separator: must not be empty or blank; e.g. \"|\" or " + "\";\"");
        }
        return text;
    }

    private static JdbcSourceSpec jdbc(RawJobFile.Jdbc j) {
        String url = require(
                "source.jdbc.url",
                j.url(),
                "name the source database, e.g. " + "url: jdbc:postgresql://db.example.com:5432/catalog");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new JobFileException("source.jdbc.url: '" + JdbcSourceSpec.withoutSecrets(url) + "' is not a "
                    + "PostgreSQL JDBC URL; write jdbc:postgresql://HOST:PORT/DATABASE (PostgreSQL is the "
                    + "database this job ships a driver for)");
        }
        String query = require(
                "source.jdbc.query",
                j.query(),
                "write the SELECT that returns the prompts, "
                        + "e.g. query: SELECT id, description AS prompt, category FROM product ORDER BY id");
        query = query.strip();
        while (query.endsWith(";")) {
            query = query.substring(0, query.length() - 1).strip();
        }
        int fetchSize = positive("source.jdbc.fetch-size", j.fetchSize(), 1000);
        return new JdbcSourceSpec(url, blankToNull(j.user()), Secret.of(j.password()), query, fetchSize);
    }

    private static char delimiter(String text, boolean tsv) {
        if (text == null) {
            return tsv ? '\t' : ',';
        }
        String t = text.equals("\\t") || text.equalsIgnoreCase("tab") ? "\t" : text;
        if (t.length() != 1) {
            throw new JobFileException(
                    "source.delimiter: '" + text + "' must be one character, e.g. \",\", " + "\";\" or \"\\t\" (tab)");
        }
        return t.charAt(0);
    }

    private static Character quote(String text, boolean tsv) {
        if (text == null) {
            return tsv ? null : '"';
        }
        if (text.isEmpty() || text.equalsIgnoreCase("none")) {
            return null;
        }
        if (text.length() != 1) {
            throw new JobFileException("source.quote: '" + text + "' must be one character or none");
        }
        return text.charAt(0);
    }
}
