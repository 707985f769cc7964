package dev.imagegen.run;

import dev.imagegen.source.CsvSource;
import dev.imagegen.source.JdbcSource;
import dev.imagegen.source.PromptTemplate;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a run checks before anything is started, touched in the database or spent: an API key (unless it is a dry
 * run), a writable {@code output.dir} (created), and the source's columns against the job file.
 */
public final class PreFlight {

    private PreFlight() {}

    /**
     * The job file ready for a run without reaching the source (a scheduler checks that before every run): the
     * placeholder model for a dry run, else a key; the output directory created and writable.
     *
     * @throws JobFileException naming the key to fix (exit 2)
     */
    public static JobSpec ready(JobSpec loaded, boolean dryRun) {
        JobSpec spec = loaded;
        if (dryRun) {
            spec = spec.asDryRun();
        } else if (!spec.model().isPlaceholder() && !spec.model().apiKey().isPresent()) {
            throw new JobFileException("model.api-key: no API key. Either export the key (e.g. export "
                    + "OPENROUTER_API_KEY=sk-or-...) so that the job file's api-key: \"${OPENROUTER_API_KEY}\" finds "
                    + "it, or add --dry-run to try the whole pipeline with local placeholder images at zero cost");
        }
        Path out = spec.output().dir();
        try {
            Files.createDirectories(out);
        } catch (Exception e) {
            throw new JobFileException("output.dir: cannot create " + out + ": " + e.getMessage());
        }
        if (!Files.isWritable(out)) {
            throw new JobFileException("output.dir: " + out + " is not writable; choose another directory");
        }
        return spec;
    }

    /**
     * The source's columns against the job file: a CSV header, or the columns a query returns.
     *
     * @throws JobFileException when a column the job file names is missing (exit 2)
     * @throws SourceUnavailableException when the source database cannot be reached or the query is wrong (exit 1)
     */
    public static void checkSource(JobSpec spec) {
        PromptTemplate template = new PromptTemplate(spec.model().promptTemplate());
        if (spec.source().isJdbc()) {
            new JdbcSource(spec.source()).checkColumns(template);
        } else {
            new CsvSource(spec.source()).checkHeader(template);
        }
    }
}
