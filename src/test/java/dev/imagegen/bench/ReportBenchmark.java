package dev.imagegen.bench;

import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Figures for the report and the exports at scale ({@code scripts/benchmark.sh report-scale N}): a 200-image dry run, then
 * {@code N - 200} more image rows copied from those (each with its own id and hash, so each gets its own thumbnail),
 * then {@code imagegen report} and the exports, each timed, in this JVM (run it with a small -Xmx to see that memory
 * does not grow with N). Prints figures; asserts nothing.
 */
public final class ReportBenchmark {

    private ReportBenchmark() {}

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        Path dir = Files.createTempDirectory("imagegen-bench");
        TestDatabase db = TestDatabase.fresh();
        try (InputStream in = ReportBenchmark.class.getResourceAsStream("/parti/PartiPrompts-200.tsv")) {
            Files.write(dir.resolve("parti.tsv"), in.readAllBytes());
        }
        TestJob job = new TestJob(dir, db, """
                dataset: bench
                source: { csv: parti.tsv, prompt-column: Prompt }
                model: { provider: placeholder, seed: 1 }
                run: { concurrency: 2, chunk-size: 8 }
                output: { dir: out }
                """);
        check(job.run("run", "--run-id", "big", "--no-report", "--progress", "off"));
        JdbcTemplate jdbc = db.jdbc();
        long copies = Math.max(0, (total - 200 + 199) / 200);
        long t0 = System.nanoTime();
        jdbc.update("""
                INSERT INTO prompt (dataset, prompt_id, prompt, rendered_prompt, attributes, request_hash, bucket,
                                    staged_instance_id)
                SELECT dataset, prompt_id || '-c' || n, prompt, rendered_prompt, attributes,
                       md5(request_hash || n) || md5(request_hash), bucket, staged_instance_id
                  FROM prompt, generate_series(1, ?) n""", copies);
        jdbc.update("""
                INSERT INTO generated_image (dataset, prompt_id, variant, file_path, media_type, width, height, bytes,
                    sha256, request_hash, model, provider, generation_id, seed, cost_usd, latency_ms, attempts,
                    job_execution_id, job_instance_id, created_at)
                SELECT g.dataset, g.prompt_id || '-c' || n, g.variant, g.file_path, g.media_type, g.width, g.height,
                       g.bytes, md5(g.sha256 || n) || md5(g.sha256), md5(g.request_hash || n) || md5(g.request_hash),
                       g.model, g.provider, g.generation_id, g.seed, 0.0375, 1000 + (n * 37) % 30000, 1 + n % 3,
                       g.job_execution_id, g.job_instance_id, g.created_at + n * interval '1 second'
                  FROM generated_image g, generate_series(1, ?) n""", copies);
        jdbc.update(
                "DELETE FROM generated_image WHERE ctid IN (SELECT ctid FROM generated_image ORDER BY prompt_id "
                        + "DESC LIMIT greatest(0, (SELECT count(*) FROM generated_image) - ?))",
                total);
        long rows = jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
        System.out.printf(
                Locale.ROOT,
                "rows: %d images (%d copied rows in %.1f s)%n",
                rows,
                rows - 200,
                (System.nanoTime() - t0) / 1e9);

        time("report (first: makes every thumbnail)", () -> check(job.run("report", "--run-id", "big")));
        time("report (again: thumbnails reused)", () -> check(job.run("report", "--run-id", "big")));
        Path reportDir = job.output().resolve("reports/big");
        System.out.printf(
                Locale.ROOT,
                "report.html %d KB, %d gallery pages, summary.json %d KB%n",
                Files.size(reportDir.resolve("report.html")) / 1024,
                Files.list(reportDir.resolve("gallery")).count(),
                Files.size(reportDir.resolve("summary.json")) / 1024);
        // Exports read the copied rows' files; all copies share the 200 real files, which is fine for timing.
        time(
                "export webdataset",
                () -> check(job.run(
                        "export",
                        "--format",
                        "webdataset",
                        "--to",
                        dir.resolve("wds").toString())));
        time(
                "export jsonl",
                () -> check(job.run(
                        "export",
                        "--format",
                        "jsonl",
                        "--to",
                        dir.resolve("jsonl").toString())));
        time(
                "export imagefolder --link",
                () -> check(job.run(
                        "export",
                        "--format",
                        "imagefolder",
                        "--link",
                        "--to",
                        dir.resolve("hf").toString())));
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
                Locale.ROOT,
                "heap: max %d MB, used now %d MB%n",
                rt.maxMemory() >> 20,
                (rt.totalMemory() - rt.freeMemory()) >> 20);
        System.out.println("work directory: " + dir);
        System.exit(0);
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void time(String what, Step step) throws Exception {
        long t = System.nanoTime();
        step.run();
        System.out.printf(Locale.ROOT, "%-40s %.1f s%n", what, (System.nanoTime() - t) / 1e9);
    }

    private static void check(TestJob.Result r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.toString());
        }
    }
}
