package dev.imagegen.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Throughput benchmark: the real job on an embedded PostgreSQL with fsynced files, against {@link BenchServer} in
 * another JVM. Prints images/s, the ideal images/s (concurrency / mean latency, or the rate limit), their ratio, CPU
 * ms per image (this JVM), peak RSS and heap, and database connections used.
 *
 * <p>Run with {@code scripts/benchmark.sh --prompts 1000 --concurrency 32 --latency 200-2000 --image-kib 256}.
 * With {@code --workers 1,2,3} it measures remote partitioning instead ({@link RemoteBenchmark}).
 */
public final class Benchmark {

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = parse(argv);
        int prompts = Integer.parseInt(a.getOrDefault("prompts", "1000"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "32"));
        String[] latency = a.getOrDefault("latency", "200-2000").split("-");
        long minMs = Long.parseLong(latency[0]);
        long maxMs = Long.parseLong(latency.length > 1 ? latency[1] : latency[0]);
        int imageKiB = Integer.parseInt(a.getOrDefault("image-kib", "256"));
        int rpm = Integer.parseInt(a.getOrDefault("rpm", "0"));
        int serverRpm = Integer.parseInt(a.getOrDefault("server-rpm", "0"));
        int chunk = Integer.parseInt(a.getOrDefault("chunk-size", "4"));
        String partitions = a.get("partitions");

        Process server = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BenchServer.class.getName(),
                        String.valueOf(minMs),
                        String.valueOf(maxMs),
                        String.valueOf(imageKiB),
                        String.valueOf(serverRpm))
                .redirectErrorStream(true)
                .start();
        try {
            String baseUrl = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (a.containsKey("workers")) {
                // Remote mode: --concurrency is each worker's threads.
                RemoteBenchmark.run(
                        baseUrl,
                        java.util.Arrays.stream(a.get("workers").split(","))
                                .map(String::strip)
                                .map(Integer::valueOf)
                                .toList(),
                        prompts,
                        concurrency,
                        minMs,
                        maxMs,
                        imageKiB,
                        chunk,
                        partitions,
                        rpm);
            } else {
                run(baseUrl, prompts, concurrency, minMs, maxMs, imageKiB, rpm, serverRpm, chunk, partitions);
            }
        } finally {
            server.destroyForcibly();
        }
        System.exit(0);
    }

    private static void run(
            String baseUrl,
            int prompts,
            int concurrency,
            long minMs,
            long maxMs,
            int imageKiB,
            int rpm,
            int serverRpm,
            int chunk,
            String partitions)
            throws Exception {
        Path dir = Files.createTempDirectory("imagegen-bench");
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
                  concurrency: %d
                  chunk-size: %d
                  skip-limit: 1000000
                  %s
                  %s
                  retry: { max-attempts: 10, initial-delay: 200ms, max-delay: 30s }
                output: { dir: out }
                """.formatted(
                        baseUrl,
                        concurrency,
                        chunk,
                        rpm > 0 ? "requests-per-minute: " + rpm : "",
                        partitions != null ? "partitions: " + partitions : ""));
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
            HikariDataSource pool = ctx.getBean(HikariDataSource.class);
            Sampler sampler = new Sampler(pool);
            sampler.start();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            RunOutcome outcome = ctx.getBean(RunLauncher.class).run("bench", Map.of());
            long cpu = os.getProcessCpuTime() - cpu0;
            sampler.stop();

            JobRepository repo = ctx.getBean(JobRepository.class);
            JobExecution exec = repo.getJobExecution(outcome.summary().executionId());
            StepExecution generate = exec.getStepExecutions().stream()
                    .filter(s -> s.getStepName().equals("generate"))
                    .findFirst()
                    .orElseThrow();
            double seconds = Duration.between(generate.getStartTime(), generate.getEndTime())
                            .toMillis()
                    / 1000.0;
            long images = new JdbcTemplate(pool).queryForObject("SELECT count(*) FROM generated_image", Long.class);
            double meanLatency = (minMs + maxMs) / 2000.0;
            double ideal = meanLatency <= 0 ? Double.NaN : concurrency / meanLatency;
            if (rpm > 0) {
                ideal = Double.isNaN(ideal) ? rpm / 60.0 : Math.min(ideal, rpm / 60.0); // the allowed rate
            }
            double rate = images / seconds;
            String stats = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(baseUrl + "/stats"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();

            Map<String, String> out = new LinkedHashMap<>();
            out.put("status", outcome.summary().status().toString());
            out.put(
                    "prompts / concurrency / partitions / chunk",
                    prompts + " / " + concurrency + " / " + spec.run().partitions() + " / " + chunk);
            out.put("latency (ms) / image", minMs + "-" + maxMs + " / " + imageKiB + " KiB");
            out.put("images", String.valueOf(images));
            out.put("generate wall time", String.format("%.1f s", seconds));
            out.put("images/s", String.format("%.1f", rate));
            out.put("ideal images/s", Double.isNaN(ideal) ? "n/a (no latency)" : String.format("%.1f", ideal));
            out.put("ratio", Double.isNaN(ideal) ? "n/a" : String.format("%.1f %%", 100 * rate / ideal));
            out.put("CPU ms per image (job JVM)", String.format("%.2f", cpu / 1e6 / Math.max(1, images)));
            out.put("peak RSS", rssPeakMiB() + " MiB");
            out.put(
                    "peak heap used",
                    sampler.peakHeapMiB() + " MiB (max " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB)");
            out.put(
                    "DB connections (max active / pool)",
                    sampler.maxActive() + " / " + sampler.maxTotal() + " (+1 for the dataset lock)");
            out.put("server", stats);
            System.out.println();
            System.out.println("| figure | value |");
            System.out.println("|---|---|");
            out.forEach((k, v) -> System.out.println("| " + k + " | " + v + " |"));
        }
    }

    private static long rssPeakMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            m.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        return m;
    }

    /** Samples pool usage every 20 ms; heap peaks come from the memory pools. */
    private static final class Sampler implements Runnable {
        private final HikariDataSource pool;
        private final AtomicInteger maxActive = new AtomicInteger();
        private final AtomicInteger maxTotal = new AtomicInteger();
        private final AtomicLong peakHeap = new AtomicLong();
        private final List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        private volatile boolean running = true;
        private Thread thread;

        Sampler(HikariDataSource pool) {
            this.pool = pool;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    p.resetPeakUsage();
                    heapPools.add(p);
                }
            }
        }

        void start() {
            thread = new Thread(this, "bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        @Override
        public void run() {
            while (running) {
                var mx = pool.getHikariPoolMXBean();
                if (mx != null) {
                    maxActive.accumulateAndGet(mx.getActiveConnections(), Math::max);
                    maxTotal.accumulateAndGet(mx.getTotalConnections(), Math::max);
                }
                peakHeap.accumulateAndGet(
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        int maxActive() {
            return maxActive.get();
        }

        int maxTotal() {
            return maxTotal.get();
        }

        long peakHeapMiB() {
            return peakHeap.get() / (1 << 20);
        }
    }
}
