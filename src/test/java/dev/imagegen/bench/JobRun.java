package dev.imagegen.bench;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.catalog.Runs;
import dev.imagegen.report.RunReports;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * One run of the real job in this (fresh) JVM, for {@link Suite}: the production embedded PostgreSQL (fsync and
 * synchronous_commit on) in a temporary {@code IMAGEGEN_HOME}, fsynced files, against a {@link BenchServer} (or the
 * placeholder model). Prints one line {@code RESULT key=value ...} with its figures; asserts nothing.
 *
 * <p>CPU of the generate step is the thread CPU time of every Java thread but {@code main} (which stages and then
 * waits): the partition threads and the HTTP client's; JIT compiler and GC threads are counted in the process CPU.
 */
public final class JobRun {

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = Suite.parse(argv);
        int prompts = Integer.parseInt(a.getOrDefault("prompts", "1000"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "8"));
        int chunk = Integer.parseInt(a.getOrDefault("chunk-size", "4"));
        String baseUrl = a.get("base-url");
        Path dir = Files.createTempDirectory("imagegen-jobrun");
        try (var csv = Files.newBufferedWriter(dir.resolve("prompts.csv"), StandardCharsets.UTF_8)) {
            csv.write("id,prompt\n");
            for (int i = 0; i < prompts; i++) {
                csv.write("b" + i + ",benchmark prompt number " + i + "\n");
            }
        }
        String model = baseUrl == null
                ? "{ provider: placeholder }"
                : "{ base-url: " + baseUrl + ", api-key: bench, timeout: 120s }";
        Files.writeString(dir.resolve("job.yml"), """
                dataset: bench
                source: { csv: prompts.csv, id-column: id }
                model: %s
                run:
                  concurrency: %d
                  chunk-size: %d
                  skip-limit: 1000000
                  %s
                  %s
                  retry: { max-attempts: 10, initial-delay: 200ms, max-delay: 30s }
                output: { dir: out }
                """.formatted(
                        model,
                        concurrency,
                        chunk,
                        a.containsKey("partitions") ? "partitions: " + a.get("partitions") : "",
                        a.containsKey("max-images") ? "max-images: " + a.get("max-images") : ""));
        JobSpec spec = new JobSpecLoader().load(dir.resolve("job.yml"), List.of());
        Path home = dir.resolve("home");
        Map<String, String> out = new LinkedHashMap<>();
        // --db async: a server with synchronous_commit off for every transaction (zonky's test default), to
        // measure what the production setting costs.
        Map<String, Object> db = Map.of("IMAGEGEN_HOME", home.toString());
        if ("async".equals(a.get("db"))) {
            dev.imagegen.testing.TestDatabase test = dev.imagegen.testing.TestDatabase.fresh();
            db = Map.of(
                    "IMAGEGEN_DB_URL",
                    test.url(),
                    "IMAGEGEN_DB_USER",
                    test.user(),
                    "IMAGEGEN_DB_PASSWORD",
                    test.password());
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, db)) {
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            HeapSampler heap = new HeapSampler();
            heap.start();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            Map<Long, Long> threads0 = threadCpu();
            Map<Long, Long> user0 = threadUser();
            long cpu0 = os.getProcessCpuTime();
            long pg0 = Postgres.cpuMillis(home);
            RunOutcome outcome = ctx.getBean(RunLauncher.class).run("bench", Map.of());
            long cpu = os.getProcessCpuTime() - cpu0;
            long pg = Postgres.cpuMillis(home) - pg0;
            long threadCpu = 0;
            for (Map.Entry<Long, Long> t : threadCpu().entrySet()) {
                threadCpu += t.getValue() - threads0.getOrDefault(t.getKey(), 0L);
            }
            long threadUser = 0;
            for (Map.Entry<Long, Long> t : threadUser().entrySet()) {
                threadUser += t.getValue() - user0.getOrDefault(t.getKey(), 0L);
            }
            heap.stop();

            JobExecution exec = ctx.getBean(JobRepository.class)
                    .getJobExecution(outcome.summary().executionId());
            long images = jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
            out.put("status", outcome.summary().status().toString());
            out.put("images", String.valueOf(images));
            out.put("partitions", String.valueOf(exec.getStepExecutions().size() - 2));
            out.put("stage_s", f(seconds(step(exec, "stage"))));
            out.put("generate_s", f(seconds(step(exec, "generate"))));
            out.put("rate", f(images / seconds(step(exec, "generate"))));
            timeline(exec, dir.resolve("out"), out);
            double per = Math.max(1, images);
            out.put("thread_cpu_ms", f(threadCpu / 1e6 / per));
            out.put("thread_user_ms", f(threadUser / 1e6 / per));
            out.put("process_cpu_ms", f(cpu / 1e6 / per));
            out.put("pg_cpu_ms", f(pg / per));
            out.put("peak_heap_mib", String.valueOf(heap.peakMiB()));
            out.put("peak_live_heap_mib", String.valueOf(heap.liveMiB()));
            out.put("gc_s", f(gcSeconds()));
            out.put("max_heap_mib", String.valueOf(Runtime.getRuntime().maxMemory() >> 20));
            out.put("peak_rss_mib", String.valueOf(peakRssMiB()));
            if (a.containsKey("report-images")) {
                int total = Integer.parseInt(a.get("report-images"));
                copyImageRows(jdbc, total);
                RunReports reports = new RunReports(jdbc, ctx.getBean(PlatformTransactionManager.class), spec);
                long t0 = System.nanoTime();
                long reportCpu0 = os.getProcessCpuTime();
                RunReports.Written written =
                        reports.write(new Runs(jdbc).find("bench", "bench").orElseThrow());
                out.put("report_s", f((System.nanoTime() - t0) / 1e9));
                out.put("report_cpu_s", f((os.getProcessCpuTime() - reportCpu0) / 1e9));
                out.put(
                        "report_images",
                        String.valueOf(written.report().gallery().images()));
                out.put(
                        "thumbnails_made",
                        String.valueOf(written.report().gallery().thumbnailsMade()));
            }
        }
        StringBuilder line = new StringBuilder("RESULT");
        out.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        System.exit(0);
    }

    /** Copies the run's image rows (each copy with its own id and hash, so it gets its own thumbnail) up to total. */
    private static void copyImageRows(JdbcTemplate jdbc, int total) {
        long have = jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class);
        long copies = Math.max(0, (total - have + have - 1) / Math.max(1, have));
        jdbc.update("""
                INSERT INTO generated_image (dataset, prompt_id, variant, file_path, media_type, width, height, bytes,
                    sha256, request_hash, model, provider, generation_id, seed, cost_usd, latency_ms, attempts,
                    job_execution_id, job_instance_id, created_at)
                SELECT g.dataset, g.prompt_id || '-c' || n, g.variant, g.file_path, g.media_type, g.width, g.height,
                       g.bytes, md5(g.sha256 || n) || md5(g.sha256), md5(g.request_hash || n) || md5(g.request_hash),
                       g.model, g.provider, g.generation_id, g.seed, g.cost_usd, g.latency_ms, g.attempts,
                       g.job_execution_id, g.job_instance_id, g.created_at
                  FROM generated_image g, generate_series(1, ?) n""", copies);
        jdbc.update(
                "DELETE FROM generated_image WHERE ctid IN (SELECT ctid FROM generated_image ORDER BY prompt_id "
                        + "DESC LIMIT greatest(0, (SELECT count(*) FROM generated_image) - ?))",
                total);
        jdbc.execute("ANALYZE generated_image");
    }

    /** Time the collectors spent, in seconds (pauses and, for concurrent ones, their cycles). */
    private static double gcSeconds() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime)
                        .sum()
                / 1000.0;
    }

    private static long peakRssMiB() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    /**
     * Where the generate step's time went: from its start to the first partition's start (the split), to the first
     * image stored, and from the last image stored to the step's end (the tail), in seconds.
     */
    private static void timeline(JobExecution exec, Path out, Map<String, String> figures) throws java.io.IOException {
        StepExecution generate = step(exec, "generate");
        var starts = exec.getStepExecutions().stream()
                .filter(s -> s.getStepName().startsWith("generate-partition"))
                .map(StepExecution::getStartTime)
                .sorted()
                .toList();
        if (starts.isEmpty()) {
            return;
        }
        figures.put(
                "split_s",
                f(Duration.between(generate.getStartTime(), starts.get(0)).toMillis() / 1000.0));
        figures.put(
                "last_partition_start_s",
                f(Duration.between(generate.getStartTime(), starts.get(starts.size() - 1))
                                .toMillis()
                        / 1000.0));
        // When the image files were written (a row's created_at is its chunk's transaction start).
        List<java.time.LocalDateTime> written;
        try (var files = Files.walk(out)) {
            written = files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".png"))
                    .map(p -> {
                        try {
                            return java.time.LocalDateTime.ofInstant(
                                    Files.getLastModifiedTime(p).toInstant(), java.time.ZoneId.systemDefault());
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .sorted()
                    .toList();
        }
        if (!written.isEmpty()) {
            figures.put(
                    "first_image_s",
                    f(Duration.between(generate.getStartTime(), written.get(0)).toMillis() / 1000.0));
            figures.put(
                    "tail_s",
                    f(Duration.between(written.get(written.size() - 1), generate.getEndTime())
                                    .toMillis()
                            / 1000.0));
        }
    }

    private static StepExecution step(JobExecution exec, String name) {
        return exec.getStepExecutions().stream()
                .filter(s -> s.getStepName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static double seconds(StepExecution s) {
        return Duration.between(s.getStartTime(), s.getEndTime()).toMillis() / 1000.0;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** User-mode CPU nanoseconds of every live Java thread but main, by id (the rest of its CPU is the kernel's). */
    private static Map<Long, Long> threadUser() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && !info.getThreadName().equals("main")) {
                long t = mx.getThreadUserTime(info.getThreadId());
                if (t >= 0) {
                    cpu.put(info.getThreadId(), t);
                }
            }
        }
        return cpu;
    }

    /** CPU nanoseconds of every live Java thread but main, by id. */
    private static Map<Long, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && !info.getThreadName().equals("main")) {
                long t = mx.getThreadCpuTime(info.getThreadId());
                if (t >= 0) {
                    cpu.put(info.getThreadId(), t);
                }
            }
        }
        return cpu;
    }

    /** Peak heap in use, from the heap pools' peaks (which see what a 20 ms sample would miss). */
    static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong live = new AtomicLong();
        private volatile boolean running = true;
        private Thread thread;

        void start() {
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    p.resetPeakUsage();
                }
            }
            thread = new Thread(
                    () -> {
                        while (running) {
                            peak.accumulateAndGet(
                                    ManagementFactory.getMemoryMXBean()
                                            .getHeapMemoryUsage()
                                            .getUsed(),
                                    Math::max);
                            // what the last collection of each pool left: the live heap, without garbage
                            long afterGc = 0;
                            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                                if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                                    afterGc += p.getCollectionUsage().getUsed();
                                }
                            }
                            live.accumulateAndGet(afterGc, Math::max);
                            try {
                                Thread.sleep(10);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "bench-heap");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        long peakMiB() {
            return peak.get() >> 20;
        }

        long liveMiB() {
            return live.get() >> 20;
        }
    }
}
