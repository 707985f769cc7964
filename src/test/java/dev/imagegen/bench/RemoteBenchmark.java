package dev.imagegen.bench;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.remote.RemoteJobFile;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The benchmark's remote mode ({@code --workers 1,2,3}): for each worker count, a fresh database, that many
 * {@code imagegen worker} JVMs with {@code --concurrency} threads each, and a manager in this JVM running the job
 * with {@code run.workers: remote} against the {@link BenchServer}. Prints images/s per worker count against the
 * ideal (workers × threads / latency) and the speed-up over one worker.
 */
final class RemoteBenchmark {

    private RemoteBenchmark() {}

    static void run(
            String baseUrl,
            List<Integer> workerCounts,
            int prompts,
            int threads,
            long minMs,
            long maxMs,
            int imageKiB,
            int chunk,
            String partitions,
            int rpm)
            throws Exception {
        List<String> lines = new ArrayList<>();
        double oneWorker = 0;
        for (int n : workerCounts) {
            long throttledBefore = throttled(baseUrl);
            Result r = once(baseUrl, n, prompts, threads, chunk, partitions, rpm);
            long throttled = throttled(baseUrl) - throttledBefore;
            double meanLatency = (minMs + maxMs) / 2000.0;
            double ideal = meanLatency <= 0 ? Double.NaN : n * threads / meanLatency;
            if (rpm > 0) {
                ideal = Double.isNaN(ideal) ? rpm / 60.0 : Math.min(ideal, rpm / 60.0); // the allowed rate
            }
            if (n == workerCounts.get(0)) {
                oneWorker = r.rate() / n; // per worker, if the first count is not 1
            }
            lines.add(String.format(
                    "| %d | %d | %d | %s | %d | %.1f s | %.1f | %s | %s | %.2f× | %d |",
                    n,
                    threads,
                    n * threads,
                    r.status(),
                    r.images(),
                    r.seconds(),
                    r.rate(),
                    Double.isNaN(ideal) ? "n/a" : String.format("%.1f", ideal),
                    Double.isNaN(ideal) ? "n/a" : String.format("%.0f %%", 100 * r.rate() / ideal),
                    r.rate() / oneWorker,
                    throttled));
        }
        System.out.println();
        System.out.printf(
                "remote mode: %d prompts, latency %d-%d ms, %d KiB images, chunk %d%s%n",
                prompts, minMs, maxMs, imageKiB, chunk, rpm > 0 ? ", run.requests-per-minute " + rpm : "");
        System.out.println("| workers | threads each | calls in flight | status | images | generate wall time "
                + "| images/s | ideal images/s | ratio | speed-up over one worker | 429s from the server |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
    }

    private record Result(String status, long images, double seconds, double rate) {}

    /** The server's count of 429 answers so far (it enforces --server-rpm over a sliding minute). */
    private static long throttled(String baseUrl) throws Exception {
        String stats = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl + "/stats"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"throttled\":(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static Result once(
            String baseUrl, int workers, int prompts, int threads, int chunk, String partitions, int rpm)
            throws Exception {
        Path dir = Files.createTempDirectory("imagegen-bench-remote");
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < prompts; i++) {
            csv.append("b")
                    .append(i)
                    .append(",benchmark prompt number ")
                    .append(i)
                    .append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        Files.writeString(dir.resolve("job.yml"), """
                dataset: bench
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: bench, timeout: 60s }
                run:
                  workers: remote
                  poll-interval: 500ms
                  concurrency: %d
                  chunk-size: %d
                  skip-limit: 1000000
                  %s
                  %s
                  retry: { max-attempts: 10, initial-delay: 200ms, max-delay: 30s }
                output: { dir: out }
                """.formatted(
                        baseUrl,
                        workers * threads,
                        chunk,
                        partitions != null ? "partitions: " + partitions : "",
                        rpm > 0 ? "requests-per-minute: " + rpm : ""));
        JobSpec spec = new JobSpecLoader().load(dir.resolve("job.yml"), List.of());
        TestDatabase db = TestDatabase.fresh();
        JdbcTemplate jdbc = db.jdbc();
        List<ImagegenProcess> processes = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                // The default -Xmx512m, and C2 (these workers run long enough for it to pay).
                processes.add(ImagegenProcess.in(dir)
                        .database(db)
                        .jvm(List.of("-Xmx512m"))
                        .log("worker-" + i)
                        .start(
                                "worker",
                                "--name",
                                "bench" + i,
                                "--concurrency",
                                String.valueOf(threads),
                                "--lease",
                                "15s",
                                "--poll",
                                "1s"));
            }
            awaitWorkers(jdbc, workers);
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
                launcher.addParameters(RemoteJobFile.parameters(List.of(), false, spec));
                RunOutcome outcome = launcher.run("bench", Map.of());
                JobExecution exec = ctx.getBean(JobRepository.class)
                        .getJobExecution(outcome.summary().executionId());
                StepExecution generate = exec.getStepExecutions().stream()
                        .filter(s -> s.getStepName().equals("generate"))
                        .findFirst()
                        .orElseThrow();
                double seconds = Duration.between(generate.getStartTime(), generate.getEndTime())
                                .toMillis()
                        / 1000.0;
                long images = jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
                return new Result(outcome.summary().status().toString(), images, seconds, images / seconds);
            }
        } finally {
            for (ImagegenProcess p : processes) {
                p.terminate();
            }
            for (ImagegenProcess p : processes) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.kill();
                }
            }
        }
    }

    private static void awaitWorkers(JdbcTemplate jdbc, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                Integer live = jdbc.queryForObject(
                        "SELECT count(*) FROM remote_worker WHERE lease_until > now()", Integer.class);
                if (live != null && live >= n) {
                    return;
                }
            } catch (RuntimeException notMigratedYet) {
                // the first worker is still creating the tables
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(n + " workers did not start within 2 minutes");
    }
}
