package dev.imagegen.source;

import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.SourceSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.infrastructure.item.file.FlatFileItemReader;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.LineMapper;
import org.springframework.batch.infrastructure.item.file.separator.DefaultRecordSeparatorPolicy;
import org.springframework.batch.infrastructure.item.file.separator.SimpleRecordSeparatorPolicy;
import org.springframework.batch.infrastructure.item.file.transform.DelimitedLineTokenizer;
import org.springframework.batch.infrastructure.item.file.transform.FieldSet;
import org.springframework.core.io.FileSystemResource;

/**
 * A CSV/TSV file of prompts with a header row. Each record becomes a {@link SourceRow} keyed by header name; a record
 * that cannot be tokenised, or has the wrong number of fields, becomes an invalid row with its line number instead
 * of an exception, so staging records it and moves on.
 */
public final class CsvSource {

    /** Quoting off: a character that cannot occur in text. */
    private static final char NO_QUOTE = '\uFFFF';

    static final int MAX_LINES_PER_RECORD = 100;

    private final SourceSpec spec;

    public CsvSource(SourceSpec spec) {
        this.spec = spec;
    }

    /** Reads the header and checks the job file's column names against it; a mismatch is a job-file error. */
    public List<String> checkHeader(PromptTemplate template) {
        List<String> header = readHeader();
        if (!header.contains(spec.promptColumn())) {
            throw new JobFileException(
                    "source.prompt-column: the file " + spec.csv().getFileName()
                            + " has no column '" + spec.promptColumn() + "'; its columns are " + header
                            + " (set source.prompt-column to one of them)");
        }
        if (spec.idColumn() != null && !header.contains(spec.idColumn())) {
            throw new JobFileException("source.id-column: the file "
                    + spec.csv().getFileName() + " has no column '"
                    + spec.idColumn() + "'; its columns are " + header + " (or leave id-column out to derive ids "
                    + "from each row's content)");
        }
        if (spec.referenceColumn() != null && !header.contains(spec.referenceColumn())) {
            throw new JobFileException(
                    "source.reference-column: the file " + spec.csv().getFileName() + " has no column '"
                            + spec.referenceColumn() + "'; its columns are " + header);
        }
        for (String column : template.columns()) {
            if (!column.equals("prompt") && !header.contains(column)) {
                throw new JobFileException("model.prompt-template: {" + column + "} is not a column of "
                        + spec.csv().getFileName() + "; its columns are " + header);
            }
        }
        return header;
    }

    List<String> readHeader() {
        // Lenient decoding like the reader's: a bad byte further down is one rejected row, not an unreadable file.
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(Files.newInputStream(spec.csv()), spec.encoding()))) {
            String line = in.readLine();
            if (line == null) {
                throw new JobFileException("source.csv: " + spec.csv() + " is empty; it needs a header row");
            }
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            List<String> names = new ArrayList<>();
            for (String name : tokenizer().tokenize(line).getValues()) {
                names.add(name.strip());
            }
            return names;
        } catch (IOException e) {
            throw new JobFileException("source.csv: cannot read " + spec.csv() + ": " + e.getMessage());
        }
    }

    public FlatFileItemReader<SourceRow> reader() {
        List<String> header = readHeader();
        FlatFileItemReader<SourceRow> reader =
                new UnclosedQuoteTolerantReader(new FileSystemResource(spec.csv()), new RowMapper(header));
        reader.setName("csvSource");
        reader.setEncoding(spec.encoding().name());
        reader.setLinesToSkip(1);
        reader.setRecordSeparatorPolicy(
                spec.quote() == null
                        ? new SimpleRecordSeparatorPolicy()
                        : new DefaultRecordSeparatorPolicy(String.valueOf(spec.quote())));
        // An unclosed quote swallows the lines after it: give up on the record after this many (it is rejected).
        reader.setMaxLinesPerRecord(MAX_LINES_PER_RECORD);
        return reader;
    }

    /**
     * A record the reader cannot complete (a quoted field still open at the end of the file, or after
     * {@value #MAX_LINES_PER_RECORD} lines) becomes an invalid row, numbered by the line where it starts, instead of
     * failing the step; reading goes on with the next line.
     */
    private static final class UnclosedQuoteTolerantReader extends FlatFileItemReader<SourceRow> {

        UnclosedQuoteTolerantReader(FileSystemResource resource, LineMapper<SourceRow> mapper) {
            super(resource, mapper);
        }

        @Override
        protected SourceRow doRead() throws Exception {
            try {
                return super.doRead();
            } catch (FlatFileParseException e) {
                String input = e.getInput() == null ? "" : e.getInput();
                if (e.getMessage() != null && e.getMessage().contains("end of file")) {
                    // Each line of a record still inside quotes was read with its line break kept.
                    long lines =
                            Math.max(1, input.chars().filter(c -> c == '\n').count());
                    return SourceRow.invalid(
                            Math.max(2, e.getLineNumber() - lines + 1),
                            "a quoted field is not closed before the end of the file",
                            input);
                }
                long start = Math.max(2, e.getLineNumber() - MAX_LINES_PER_RECORD);
                return SourceRow.invalid(
                        start,
                        "a quoted field is not closed within " + MAX_LINES_PER_RECORD + " lines; lines " + start
                                + " to " + e.getLineNumber() + " are skipped",
                        input);
            }
        }
    }

    private DelimitedLineTokenizer tokenizer() {
        DelimitedLineTokenizer t = new DelimitedLineTokenizer(String.valueOf(spec.delimiter()));
        t.setQuoteCharacter(spec.quote() == null ? NO_QUOTE : spec.quote());
        t.setStrict(false);
        return t;
    }

    private final class RowMapper implements LineMapper<SourceRow> {

        private final List<String> header;
        private final DelimitedLineTokenizer tokenizer = tokenizer();

        RowMapper(List<String> header) {
            this.header = header;
        }

        @Override
        public SourceRow mapLine(String line, int lineNumber) {
            if (line.isBlank()) {
                return SourceRow.invalid(lineNumber, SourceRow.BLANK, line);
            }
            if (line.indexOf('\uFFFD') >= 0) {
                return SourceRow.invalid(
                        lineNumber, "not valid " + spec.encoding().name() + " text", line);
            }
            FieldSet fields;
            try {
                fields = tokenizer.tokenize(line);
            } catch (RuntimeException e) {
                return SourceRow.invalid(lineNumber, "cannot split the line: " + e.getMessage(), line);
            }
            String[] values = fields.getValues();
            if (values.length != header.size()) {
                return SourceRow.invalid(
                        lineNumber, "has " + values.length + " fields, the header has " + header.size(), line);
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                row.put(header.get(i), values[i]);
            }
            return new SourceRow(lineNumber, row, null, null);
        }
    }
}
