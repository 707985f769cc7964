package dev.imagegen.report;

import dev.imagegen.catalog.ImageCatalog;
import dev.imagegen.catalog.RunRef;
import dev.imagegen.catalog.Runs;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.store.SafeNames;
import dev.imagegen.support.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a run's report under {@code output.dir/reports/<run>/}: {@code summary.json}, {@code report.html}, the
 * gallery pages and the thumbnails. Everything comes from the database, read in one repeatable-read snapshot so the
 * page's figures agree with each other even while another run writes. Not a bean: commands that have no job file
 * (e.g. {@code status}) start a context without a {@link JobSpec}.
 */
public final class RunReports {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate snapshot;
    private final JobSpec spec;
    private final Clock clock;
    private final JsonMapper pretty = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();
    private final JsonMapper compact = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /** The reports of the job in a started context (its database and job file). */
    public static RunReports in(ApplicationContext ctx) {
        return new RunReports(
                ctx.getBean(JdbcTemplate.class),
                ctx.getBean(PlatformTransactionManager.class),
                ctx.getBean(JobSpec.class));
    }

    public RunReports(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, JobSpec spec) {
        this.jdbc = jdbc;
        this.snapshot = new TransactionTemplate(transactionManager);
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
        this.spec = spec;
        this.clock = Clock.systemUTC();
    }

    /** What was written, and how long it took. */
    public record Written(Path html, Path summary, RunReport report, Duration took) {

        /** The lines {@code imagegen report} and the end of a run print about what was written. */
        public String describe() {
            return String.format(
                    Locale.ROOT,
                    "  report          %s%n  summary         %s%n"
                            + "  gallery         %d images, %d thumbnails (%d new, %d image files missing), %.1f s%n",
                    html,
                    summary,
                    report.gallery().images(),
                    report.gallery().thumbnails(),
                    report.gallery().thumbnailsMade(),
                    report.gallery().missingFiles(),
                    took.toMillis() / 1000.0);
        }
    }

    /** The run with this id, or the dataset's latest run when {@code runId} is null. */
    public Optional<RunRef> find(String runId) {
        Runs runs = new Runs(jdbc);
        return runId == null ? runs.latest(spec.dataset()) : runs.find(spec.dataset(), runId);
    }

    public static Path reportDir(Path outputDir, String runId) {
        return outputDir.resolve("reports").resolve(SafeNames.stem(runId));
    }

    public Written write(RunRef run) {
        Instant started = clock.instant();
        Path dir = reportDir(spec.output().dir(), run.runId());
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "imagegen-thumbnails");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(dir);
            RunReport report = snapshot.execute(tx -> {
                RunReport stats = new RunStatistics(jdbc).build(run, clock.instant());
                try {
                    GalleryWriter.Result gallery = new GalleryWriter(new ImageCatalog(jdbc, 500), compact, workers)
                            .write(run, dir, new Thumbnails(spec.output().dir(), dir));
                    RunReport full = stats.withGallery(gallery.summary());
                    DurableFiles.replace(
                            dir.resolve("report.html"),
                            new ReportPage(ZoneId.systemDefault())
                                    .render(full, gallery.firstPage())
                                    .getBytes(StandardCharsets.UTF_8));
                    return full;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Path summary = dir.resolve("summary.json");
            DurableFiles.replace(summary, (pretty.writeValueAsString(report) + "\n").getBytes(StandardCharsets.UTF_8));
            return new Written(dir.resolve("report.html"), summary, report, Duration.between(started, clock.instant()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report under " + dir + ": " + e.getMessage(), e);
        } finally {
            workers.shutdownNow();
        }
    }
}
