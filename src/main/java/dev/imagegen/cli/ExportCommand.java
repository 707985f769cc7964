package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.export.DatasetExports;
import dev.imagegen.export.ExportBusyException;
import dev.imagegen.export.ExportException;
import dev.imagegen.export.ExportFormat;
import dev.imagegen.export.ExportOptions;
import dev.imagegen.export.ExportResult;
import dev.imagegen.spec.Durations;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Exports the dataset's images with their metadata in a layout training code loads as is:",
            "  imagefolder  DIR/train/<id>_v<n>.<ext> + DIR/train/metadata.jsonl (file_name, prompt, id, model, "
                    + "seed, attributes, ...): load_dataset(\"imagefolder\", data_dir=DIR)",
            "  webdataset   DIR/<dataset>-000000.tar ... (key.png|jpg|webp, key.txt = prompt, key.json = "
                    + "metadata), DIR/<dataset>-000000.index.jsonl per shard, DIR/<dataset>.shards.json",
            "  jsonl        DIR/<dataset>.jsonl: one line per image with its path and metadata; copies nothing",
            "Streams (constant memory) and is idempotent: exporting the same selection to the same DIR again "
                    + "gives the same result. Only images that match their prompt's current text and settings "
                    + "are exported. Needs no API key."
        },
        footer = {
            "",
            "Exit codes: 0 exported, 1 failed, 2 bad usage (unknown run, DIR holds something else), 4 another "
                    + "export into DIR is in progress.",
            "Examples:",
            "  imagegen export jobs/demo.yml --format imagefolder --to exports/demo-hf",
            "  imagegen export jobs/demo.yml --format webdataset --to exports/demo-wds --shard-samples 500",
            "  imagegen export jobs/demo.yml --format jsonl --to exports/demo --run-id night-1 --paths relative",
            "  imagegen export jobs/demo.yml --format webdataset --to exports/june --since 2026-06-01 "
                    + "--until 2026-07-01"
        })
final class ExportCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Option(
            names = "--format",
            required = true,
            paramLabel = "FORMAT",
            description = "imagefolder, webdataset or jsonl")
    String format;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "DIR",
            description = "target directory: new, empty, or an earlier export with the same format and selection")
    Path to;

    @Option(names = "--run-id", paramLabel = "ID", description = "only the images made by this run")
    String runId;

    @Option(
            names = "--since",
            paramLabel = "WHEN",
            description = "only images created at or after WHEN: a date (YYYY-MM-DD, local midnight) or an ISO "
                    + "date-time with offset, e.g. 2026-06-01T08:00:00Z")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "only images created before WHEN (same forms)")
    String until;

    @Option(
            names = "--shard-samples",
            paramLabel = "N",
            defaultValue = "" + ExportOptions.DEFAULT_SHARD_SAMPLES,
            description = "webdataset: at most N samples per shard (default: ${DEFAULT-VALUE})")
    int shardSamples;

    @Option(
            names = "--shard-size",
            paramLabel = "SIZE",
            defaultValue = "1GiB",
            description = "webdataset: a shard closes before it would pass SIZE, e.g. 512MiB (default: "
                    + "${DEFAULT-VALUE})")
    String shardSize;

    @Option(
            names = "--paths",
            paramLabel = "KIND",
            defaultValue = "absolute",
            description = "jsonl: absolute image paths, or relative to DIR (default: ${DEFAULT-VALUE})")
    String paths;

    @Option(
            names = "--link",
            description = "imagefolder: hard-link the images instead of copying them (same "
                    + "file system only; falls back to copying)")
    boolean link;

    @Override
    public Integer call() {
        JobSpec spec;
        ExportOptions options;
        try {
            spec = job.load().asDryRun();
            options = options();
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            ExportResult r = new DatasetExports(ctx.getBean(JdbcTemplate.class), spec).export(options);
            System.out.printf(
                    Locale.ROOT,
                    "%nimagegen: exported %d images of dataset %s as %s to %s%n",
                    r.samples(),
                    spec.dataset(),
                    r.format().id(),
                    r.dir());
            System.out.printf(
                    Locale.ROOT,
                    "  files           %d %s, %.1f MB of images%n",
                    r.files(),
                    r.format() == ExportFormat.WEBDATASET ? "shards" : "metadata file",
                    r.bytes() / 1e6);
            if (r.staleSkipped() > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "  left out        %d images made for an older prompt text or "
                                + "settings (rerun to regenerate them)%n",
                        r.staleSkipped());
            }
            if (r.missingFiles() > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "  missing files   %d (rows whose image file is gone; see the log)%n",
                        r.missingFiles());
            }
            System.out.printf(
                    Locale.ROOT, "  took            %.1f s%n", r.took().toMillis() / 1000.0);
            return ExitCode.COMPLETED;
        } catch (ExportBusyException e) {
            System.err.println("imagegen: " + e.getMessage());
            return ExitCode.LOCKED;
        } catch (ExportException | JobFileException e) {
            return Console.usage(e);
        } catch (Exception e) {
            return Console.failed("export ", e);
        }
    }

    private ExportOptions options() {
        ExportFormat f;
        try {
            f = ExportFormat.valueOf(format.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JobFileException(
                    "--format: '" + format + "' is not a format; use imagefolder, webdataset or " + "jsonl");
        }
        if (shardSamples <= 0) {
            throw new JobFileException("--shard-samples: must be more than 0");
        }
        long bytes = Durations.parseSize("--shard-size", shardSize);
        if (bytes < 64 * 1024) {
            throw new JobFileException("--shard-size: " + shardSize + " is too small; at least 64KiB");
        }
        if (!paths.equals("absolute") && !paths.equals("relative")) {
            throw new JobFileException("--paths: '" + paths + "' must be absolute or relative");
        }
        return new ExportOptions(
                f,
                to,
                runId,
                when("--since", since),
                when("--until", until),
                shardSamples,
                bytes,
                paths.equals("absolute"),
                link);
    }

    static Instant when(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text.strip())
                    .atStartOfDay(ZoneId.systemDefault())
                    .toInstant();
        } catch (DateTimeParseException notADate) {
            try {
                return OffsetDateTime.parse(text.strip()).toInstant();
            } catch (DateTimeParseException e) {
                throw new JobFileException(option + ": '" + text + "' is neither a date (2026-06-01) nor a date-time "
                        + "with offset (2026-06-01T08:00:00Z)");
            }
        }
    }
}
