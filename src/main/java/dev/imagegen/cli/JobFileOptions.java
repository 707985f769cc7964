package dev.imagegen.cli;

import dev.imagegen.source.CsvSource;
import dev.imagegen.source.JdbcSource;
import dev.imagegen.source.PromptTemplate;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The job file and its overrides, shared by every command that works on a dataset. */
final class JobFileOptions {

    @Parameters(index = "0", paramLabel = "JOBFILE", description = "the job file (YAML), e.g. jobs/demo.yml")
    Path jobFile;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "override a job file key, e.g. --set run.concurrency=16 --set model.base-url=http://...")
    List<String> overrides = new ArrayList<>();

    /** The job file as is (for commands that do not call the model). */
    JobSpec load() {
        return new JobSpecLoader().load(jobFile, overrides);
    }

    /** The job file checked for a run: a key (unless dry run), the source's columns, a writable output dir. */
    JobSpec loadForRun(boolean dryRun) {
        JobSpec spec = loadWithoutSource(dryRun);
        checkSource(spec);
        return spec;
    }

    /**
     * The source's columns against the job file: a CSV header, or the columns a query returns.
     *
     * @throws SourceUnavailableException when the source database cannot be reached or the query is wrong (exit 1)
     */
    static void checkSource(JobSpec spec) {
        PromptTemplate template = new PromptTemplate(spec.model().promptTemplate());
        if (spec.source().isJdbc()) {
            new JdbcSource(spec.source()).checkColumns(template);
        } else {
            new CsvSource(spec.source()).checkHeader(template);
        }
    }

    /** As {@link #loadForRun} but without reaching the source (a scheduler checks it before every run). */
    JobSpec loadWithoutSource(boolean dryRun) {
        JobSpec spec = load();
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
}
