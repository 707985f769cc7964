package dev.imagegen.bench;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How long a nightly run takes when everything is already done: N prompts staged and N images recorded, then a new
 * run over the same source. The pending filter runs in SQL, so this is staging plus one query per partition.
 *
 * <p>{@code scripts/benchmark.sh incremental --prompts 100000} (the first argument picks this class).
 */
public final class IncrementalBenchmark {

    public static void main(String[] argv) throws Exception {
        int prompts = argv.length > 1 ? Integer.parseInt(argv[1]) : 100_000;
        Path dir = Files.createTempDirectory("imagegen-incremental");
        StringBuilder csv = new StringBuilder("id,prompt,style\n");
        for (int i = 0; i < prompts; i++) {
            csv.append("row-")
                    .append(i)
                    .append(",a quiet harbour at dawn number ")
                    .append(i)
                    .append(",oil\n");
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        Files.writeString(dir.resolve("job.yml"), """
                dataset: incremental
                source: { csv: prompts.csv, id-column: id }
                model: { provider: placeholder, prompt-template: "{prompt}, {style}" }
                run: { concurrency: 8, max-images: 1 }
                output: { dir: out }
                """);
        JobSpec spec = new JobSpecLoader().load(dir.resolve("job.yml"), List.of());
        TestDatabase db = TestDatabase.fresh();
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(
                spec,
                Map.of(
                        "IMAGEGEN_DB_URL",
                        db.url(),
                        "IMAGEGEN_DB_USER",
                        db.user(),
                        "IMAGEGEN_DB_PASSWORD",
                        db.password()))) {
            RunLauncher launcher = ctx.getBean(RunLauncher.class);
            long t0 = System.nanoTime();
            launcher.run("first", Map.of()); // stages everything, draws one image, stops at max-images
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            // Record an image for every prompt, as if the first night had finished.
            jdbc.update("""
                    INSERT INTO generated_image (dataset, prompt_id, variant, file_path, media_type, width, height,
                        bytes, sha256, request_hash, job_execution_id, job_instance_id)
                    SELECT dataset, prompt_id, 0, 'images/x.png', 'image/png', 1, 1, 1, 'x', request_hash, 0, 0
                      FROM prompt WHERE dataset = 'incremental'
                    ON CONFLICT DO NOTHING""");
            jdbc.execute("ANALYZE");
            long t1 = System.nanoTime();
            RunOutcome second = launcher.run("second", Map.of());
            long secondMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.println();
            System.out.println("| figure | value |");
            System.out.println("|---|---|");
            System.out.println("| prompts | " + prompts + " |");
            System.out.println("| first run (stage all + 1 image) | " + firstMs + " ms |");
            System.out.println("| second run, all done: status | "
                    + second.summary().status() + ", " + second.summary().images() + " images |");
            System.out.println("| second run, all done: wall time | " + secondMs + " ms |");
        }
        System.exit(0);
    }
}
