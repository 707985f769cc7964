package dev.imagegen.export;

import dev.imagegen.catalog.ImageCatalog;
import dev.imagegen.catalog.ImageFilter;
import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.catalog.RunRef;
import dev.imagegen.catalog.Runs;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.support.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Exports a dataset's images as training code loads them. Streams the rows a page at a time and the files one at a
 * time (constant memory), writes in a stable order with atomic renames (a repeated export of the same selection gives
 * the same result), and leaves out images whose prompt has changed since they were made, because their caption would
 * be wrong.
 *
 * <p>A directory is reused only for the same export: {@code .imagegen-export.json} records the format and the
 * selection, and a directory that holds something else is refused rather than overwritten. One export at a time
 * writes into a directory ({@link ExportLock}); temporary names are unique to each writer.
 */
public final class DatasetExports {

    static final String MANIFEST = ".imagegen-export.json";
    private static final Logger log = LoggerFactory.getLogger(DatasetExports.class);

    private final JdbcTemplate jdbc;
    private final JobSpec spec;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock = Clock.systemUTC();

    public DatasetExports(JdbcTemplate jdbc, JobSpec spec) {
        this.jdbc = jdbc;
        this.spec = spec;
    }

    public ExportResult export(ExportOptions o) {
        Instant started = clock.instant();
        Long instance = null;
        if (o.runId() != null) {
            RunRef run = new Runs(jdbc)
                    .find(spec.dataset(), o.runId())
                    .orElseThrow(() -> new ExportException(
                            "--run-id: dataset '" + spec.dataset() + "' has no run '" + o.runId() + "'"));
            instance = run.jobInstanceId();
        }
        if (o.since() != null && o.until() != null && !o.since().isBefore(o.until())) {
            throw new ExportException("--since must be before --until");
        }
        Path dir = o.dir().toAbsolutePath().normalize();
        Path outputDir = spec.output().dir().toAbsolutePath().normalize();
        if (dir.startsWith(outputDir.resolve("images")) || dir.equals(outputDir)) {
            throw new ExportException("--to: " + dir + " is the image store itself; export to a directory of its own");
        }
        ImageFilter filter = new ImageFilter(spec.dataset(), instance, o.since(), o.until(), true);
        ImageCatalog catalog = new ImageCatalog(jdbc, 500);
        try {
            ObjectNode wanted = selection(o);
            checkTarget(dir, wanted); // before the lock file is made: never leave one in a foreign directory
            Files.createDirectories(dir);
            try (ExportLock lock = ExportLock.take(dir)) {
                if (!checkTarget(dir, wanted)) {
                    // Renamed into place: an export checking the directory before it has the lock sees all or none.
                    Path tmp = DurableFiles.tempFor(dir.resolve(MANIFEST));
                    Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(wanted) + "\n");
                    DurableFiles.moveIntoPlace(tmp, dir.resolve(MANIFEST));
                }
                ExportLock.removeLeftovers(dir);
                return write(o, dir, outputDir, filter, catalog, started);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("export to " + dir + " failed: " + e.getMessage(), e);
        }
    }

    private ExportResult write(
            ExportOptions o, Path dir, Path outputDir, ImageFilter filter, ImageCatalog catalog, Instant started)
            throws IOException {
        SampleMetadata metadata = new SampleMetadata(json);
        long[] counts = new long[2];
        try (ExportWriter writer = writer(o, dir, metadata)) {
            catalog.forEach(filter, record -> {
                Path image = outputDir.resolve(record.filePath()).normalize();
                if (!image.startsWith(outputDir) || !Files.isRegularFile(image)) {
                    counts[1]++;
                    log.warn(
                            "image file {} of prompt {} v{} is missing; left out of the export",
                            record.filePath(),
                            record.promptId(),
                            record.variant());
                    return;
                }
                add(writer, record, image);
                counts[0]++;
            });
            writer.finish();
            return new ExportResult(
                    dir,
                    o.format(),
                    counts[0],
                    catalog.countStale(filter),
                    counts[1],
                    writer.files(),
                    writer.bytes(),
                    Duration.between(started, clock.instant()));
        }
    }

    private static void add(ExportWriter writer, ImageRecord record, Path image) {
        try {
            writer.add(record, image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ExportWriter writer(ExportOptions o, Path dir, SampleMetadata metadata) throws IOException {
        return switch (o.format()) {
            case IMAGEFOLDER -> new ImageFolderWriter(dir, metadata, o.link());
            case WEBDATASET -> new WebDatasetWriter(dir, spec.dataset(), metadata, o.shardSamples(), o.shardBytes());
            case JSONL -> new JsonlWriter(dir, spec.dataset(), metadata, o.absolutePaths());
        };
    }

    private ObjectNode selection(ExportOptions o) {
        ObjectNode wanted = json.createObjectNode();
        wanted.put("format", o.format().id());
        wanted.put("dataset", spec.dataset());
        wanted.put("run_id", o.runId());
        wanted.put("since", Objects.toString(o.since(), null));
        wanted.put("until", Objects.toString(o.until(), null));
        return wanted;
    }

    /**
     * Refuses a directory that holds another export or anything that is not an export.
     *
     * @return whether it already holds this export (its manifest)
     */
    private boolean checkTarget(Path dir, ObjectNode wanted) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifest)) {
            JsonNode found = json.readTree(Files.readString(manifest));
            if (!found.equals(wanted)) {
                throw new ExportException("--to: " + dir + " holds another export (" + json.writeValueAsString(found)
                        + "); export to a new directory, or delete that one first");
            }
            return true;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.anyMatch(e -> !ExportLock.isOwn(e.getFileName().toString()))) {
                    if (Files.isRegularFile(manifest)) {
                        // Another export renamed its manifest into place after we looked, then wrote files.
                        return checkTarget(dir, wanted);
                    }
                    throw new ExportException("--to: " + dir + " is not empty and holds no imagegen export; choose "
                            + "a new or empty directory");
                }
            }
        }
        return false;
    }
}
