package dev.imagegen.bench;

import dev.imagegen.testing.FakeOpenAiBatch;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The openai-batch provider at scale (a documented command, not a timed test): N requests (default 10,000) whose
 * results are 1 MiB images, through {@link FakeOpenAiBatch}, run by {@code imagegen run} in a child JVM with a
 * 256 MiB heap. Prints the child's peak heap (the largest heap in use before any collection, from its GC log; and the
 * largest left after one, what collect keeps live) and how fast collect stored the images (rows over the span of
 * their commit times). {@code BENCH_JAVA_OPTS} adds options to the child (a profiler:
 * {@code -XX:StartFlightRecording=filename=collect.jfr,settings=profile}).
 *
 * <p>{@code scripts/benchmark.sh batch 10000} (see docs/providers.md). Needs about 11 GB of free disk for the images.
 */
public final class BatchBenchmark {

    private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    public static void main(String[] argv) throws Exception {
        int requests = argv.length > 0 ? Integer.parseInt(argv[0]) : 10_000;
        int imageBytes = argv.length > 1 ? Integer.parseInt(argv[1]) : 1 << 20;
        Path dir = Files.createTempDirectory("imagegen-batch-bench");
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < requests; i++) {
            csv.append("row-")
                    .append(i)
                    .append(",a lighthouse in a storm number ")
                    .append(i)
                    .append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        try (FakeOpenAiBatch openAi =
                new FakeOpenAiBatch().imageBytes(imageBytes, true).pollsUntilDone(1)) {
            Files.writeString(dir.resolve("job.yml"), """
                    dataset: batchbench
                    source: { csv: prompts.csv, id-column: id }
                    model:
                      provider: openai-batch
                      base-url: %s
                      api-key: bench-key
                      timeout: 60s
                      batch: { poll-interval: 100ms, max-poll-interval: 1s }
                    output: { dir: out }
                    """.formatted(openAi.baseUrl()));
            TestDatabase db = TestDatabase.fresh();
            Path gcLog = dir.resolve("gc.log");
            List<String> jvm = new ArrayList<>(List.of("-Xmx256m", "-Xlog:gc:file=" + gcLog));
            // More options for the child (a profiler: -XX:StartFlightRecording=filename=collect.jfr).
            String extra = System.getenv("BENCH_JAVA_OPTS");
            if (extra != null && !extra.isBlank()) {
                jvm.addAll(List.of(extra.trim().split("\\s+")));
            }
            ImagegenProcess child = ImagegenProcess.in(dir)
                    .database(db)
                    .jvm(jvm)
                    .log("run")
                    .start(
                            "run",
                            dir.resolve("job.yml").toString(),
                            "--run-id",
                            "bench",
                            "--skip-check",
                            "--progress",
                            "off",
                            "--no-report");
            child.waitFor(1, TimeUnit.DAYS);
            int exit = child.exitValue();
            System.out.print(child.stdout());
            System.err.print(child.stderr());
            JdbcTemplate jdbc = db.jdbc();
            Map<String, Object> rows = jdbc.queryForMap("""
                    SELECT count(*) AS n, extract(epoch FROM max(created_at) - min(created_at)) AS seconds
                      FROM generated_image WHERE dataset = 'batchbench'""");
            long n = ((Number) rows.get("n")).longValue();
            double seconds = rows.get("seconds") == null ? 0 : ((Number) rows.get("seconds")).doubleValue();
            long peak = 0;
            long live = 0;
            long max = 0;
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = HEAP.matcher(line);
                if (m.find()) {
                    peak = Math.max(peak, Long.parseLong(m.group(1)));
                    live = Math.max(live, Long.parseLong(m.group(2)));
                    max = Math.max(max, Long.parseLong(m.group(3)));
                }
            }
            System.out.printf(
                    "%nopenai-batch benchmark: %d requests, %d-byte images, exit %d%n", requests, imageBytes, exit);
            System.out.printf(
                    "  images stored      %d (%d created batches, %d downloads)%n",
                    n, openAi.creates(), openAi.downloads());
            System.out.printf(
                    "  collect            %.1f images/s (%.1f s from the first row to the last)%n",
                    seconds > 0 ? n / seconds : 0, seconds);
            System.out.printf(
                    "  peak heap          %d MiB in use (heap at most %d MiB, -Xmx256m); at most %d MiB"
                            + " left after a collection%n",
                    peak, max, live);
            System.out.printf("  output             %s (delete it: %d MiB of images)%n", dir, n * imageBytes >> 20);
        }
    }
}
