package dev.imagegen.bench;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.TestDatabase;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How fast the stage step moves rows from a PostgreSQL source table into the prompt table, and in how much memory.
 * Not a test: {@code scripts/benchmark.sh jdbc-staging 100000 1000000} (see docs/sources-and-scheduling.md).
 * For each row count it seeds the example product catalogue ({@code sql/examples/product_catalog.sql}) with that
 * many rows in one database, stages it with the real stage step into another (twice: a first night that inserts,
 * and a second night that re-stages the same rows as updates) and prints wall time, rows per second, the peak heap
 * seen while staging and the process's peak resident memory.
 */
public final class StagingBenchmark {

    private StagingBenchmark() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = args.length == 0
                ? List.of(100_000, 1_000_000)
                : java.util.Arrays.stream(args).map(Integer::parseInt).toList();
        System.out.printf(
                "max heap %d MiB, %d cpus%n",
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "%10s  %-8s %9s %12s %15s %15s%n",
                "rows", "night", "seconds", "rows/s", "peak heap MiB", "peak RSS MiB");
        for (int rows : sizes) {
            benchmark(rows);
        }
        System.exit(0);
    }

    private static void benchmark(int rows) throws Exception {
        TestDatabase source = TestDatabase.fresh();
        TestDatabase target = TestDatabase.fresh();
        String seed = Files.readString(Path.of("sql/examples/product_catalog.sql"))
                .replace("generate_series(1, 5000)", "generate_series(1, " + rows + ")");
        JdbcTemplate sourceJdbc = source.jdbc();
        sourceJdbc.execute(seed);
        Path dir = Files.createTempDirectory("staging-benchmark");
        Path jobFile = dir.resolve("job.yml");
        Files.writeString(jobFile, """
                dataset: bench
                source:
                  jdbc: { url: "%s", user: postgres, password: postgres,
                          query: "SELECT sku, description, name, category, colour, material, price_eur FROM product ORDER BY sku" }
                  id-column: sku
                  prompt-column: description
                model: { provider: placeholder, prompt-template: "{prompt}, product photo of a {category} item" }
                output: { dir: out }
                """.formatted(source.url()));
        JobSpec spec = new JobSpecLoader().load(jobFile, List.of());
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(
                spec,
                Map.of(
                        "IMAGEGEN_DB_URL",
                        target.url(),
                        "IMAGEGEN_DB_USER",
                        target.user(),
                        "IMAGEGEN_DB_PASSWORD",
                        target.password()))) {
            Job stageOnly = new JobBuilder("stage-benchmark", ctx.getBean(JobRepository.class))
                    .start(ctx.getBean("stageStep", Step.class))
                    .build();
            for (String night : List.of("first", "second")) {
                System.gc();
                HeapSampler sampler = new HeapSampler();
                sampler.start();
                JobExecution execution = ctx.getBean(JobOperator.class)
                        .start(
                                stageOnly,
                                new JobParametersBuilder()
                                        .addString("night", night)
                                        .toJobParameters());
                sampler.interrupt();
                sampler.join();
                StepExecution step = execution.getStepExecutions().iterator().next();
                double seconds = java.time.Duration.between(step.getStartTime(), step.getEndTime())
                                .toMillis()
                        / 1000.0;
                if (step.getWriteCount() != rows) {
                    throw new IllegalStateException("staged " + step.getWriteCount() + " of " + rows + " rows: "
                            + execution.getStatus() + " " + execution.getAllFailureExceptions());
                }
                System.out.printf(
                        "%10d  %-8s %9.1f %12.0f %15d %15d%n",
                        rows, night, seconds, rows / seconds, sampler.peak.get() >> 20, peakRssKib() >> 10);
            }
        }
    }

    /** Samples used heap every 20 ms: the peak includes garbage not yet collected, so it is an upper bound. */
    private static final class HeapSampler extends Thread {
        final AtomicLong peak = new AtomicLong();

        HeapSampler() {
            setDaemon(true);
        }

        @Override
        public void run() {
            var memory = ManagementFactory.getMemoryMXBean();
            while (!isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
