package dev.imagegen.bench;

import dev.imagegen.db.ImagegenDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark of issue 15: the job and the hand-written baseline ({@code ../shared/bench/peer}, the official
 * {@code openai} npm client) against the same local {@link BenchServer} in the same run, in every regime, printed as
 * one table with both figures and their ratio. Each run is a fresh process (a fresh JVM for the job, run with the
 * launcher's options; node for the baseline), so neither gains from the other's warm-up.
 *
 * <p>{@code scripts/benchmark.sh [--only latency,overhead,durability,startup,report,memory,staging] [--quick]}. The machine is
 * shared, so the load average is printed with each row; compare ratios, not absolute figures, across runs.
 */
public final class Suite {

    private static final Pattern PEER = Pattern.compile("peer: (\\d+) ok, (\\d+) failed in ([\\d.]+) s = ([\\d.]+)");
    private static final Pattern PEER_CPU = Pattern.compile("PEERCPU ([\\d.]+) (\\d+)");

    private final Path peer;
    private final Path launcher;
    private final boolean quick;
    private final List<String[]> rows = new ArrayList<>();

    private Suite(Path peer, Path launcher, boolean quick) {
        this.peer = peer;
        this.launcher = launcher;
        this.quick = quick;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = parse(argv);
        Set<String> only = new LinkedHashSet<>(
                Arrays.asList(a.getOrDefault("only", "latency,overhead,durability,startup,report,memory,staging")
                        .split(",")));
        Suite suite = new Suite(
                Path.of(a.get("peer")),
                Path.of(a.getOrDefault("launcher", "imagegen")).toAbsolutePath(),
                a.containsKey("quick"));
        System.err.println("bench: start, load " + load());
        if (only.contains("latency")) {
            for (int c : new int[] {32, 64}) {
                for (int n : suite.quick ? new int[] {1000} : new int[] {1000, 5000}) {
                    suite.guarded(
                            "latency-bound", () -> suite.throughput("latency-bound", c, n, 200, 2000, 256, Map.of()));
                }
            }
        }
        if (only.contains("overhead")) {
            suite.guarded(
                    "overhead-bound",
                    () -> suite.throughput("overhead-bound", 8, suite.quick ? 500 : 1000, 0, 0, 256, Map.of()));
        }
        if (only.contains("durability")) {
            suite.guarded("durability", () -> suite.durability(32, 1000, 200, 2000));
            suite.guarded("durability", () -> suite.durability(8, suite.quick ? 500 : 1000, 0, 0));
        }
        if (only.contains("startup")) {
            suite.guarded("start-up", suite::startup);
        }
        if (only.contains("report")) {
            suite.guarded("report", () -> suite.report(suite.quick ? 2000 : 10_000));
        }
        if (only.contains("memory")) {
            suite.guarded("memory", () -> suite.memory(64, 4096, suite.quick ? 200 : 400));
        }
        if (only.contains("staging")) {
            suite.guarded("memory", () -> suite.staging(suite.quick ? 200_000 : 1_000_000));
        }
        suite.print();
        System.exit(0);
    }

    private interface Regime {
        Object run() throws Exception;
    }

    /** A regime that fails gets a row saying so; the others still run. */
    private void guarded(String regime, Regime r) {
        try {
            r.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            row(regime, "failed: " + e, "", "", "", "", "", false, load());
        }
    }

    // ---------------------------------------------------------------- throughput: job and baseline, same server

    private Map<String, String> throughput(
            String regime, int c, int n, long minMs, long maxMs, int kib, Map<String, String> jvm) throws Exception {
        String loadBefore = load();
        Process server = startServer(minMs, maxMs, kib);
        try {
            String baseUrl = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            Map<String, String> job = jobRun(
                    jvm.getOrDefault("heap", null),
                    "--base-url",
                    baseUrl,
                    "--prompts",
                    String.valueOf(n),
                    "--concurrency",
                    String.valueOf(c));
            Map<String, String> base = peerRun(baseUrl, n, c);
            double meanS = (minMs + maxMs) / 2000.0;
            String setting = "C=" + c + ", " + n + " prompts, "
                    + (maxMs == 0 ? "no latency" : "latency " + minMs + "–" + maxMs + " ms") + ", " + kib
                    + " KiB images";
            double jobRate = d(job, "rate");
            double peerRate = d(base, "rate");
            String load = loadBefore + " → " + load();
            if (maxMs > 0) {
                double ideal = c / meanS;
                row(
                        regime,
                        setting,
                        "images/s",
                        fmt(jobRate) + " (" + fmt3(jobRate / ideal) + " of C/mean)",
                        fmt(peerRate) + " (" + fmt3(peerRate / ideal) + ")",
                        fmt3(jobRate / peerRate),
                        "≥ 0.97 of C/mean",
                        jobRate / ideal >= 0.97,
                        load);
            } else {
                row(
                        regime,
                        setting,
                        "images/s",
                        fmt(jobRate),
                        fmt(peerRate),
                        fmt3(jobRate / peerRate),
                        "≥ 1.0× baseline",
                        jobRate >= peerRate,
                        load);
                double threadCpu = d(job, "thread_cpu_ms");
                row(
                        regime,
                        setting,
                        "CPU ms/image, generate step (threads)",
                        fmt(threadCpu),
                        fmt(d(base, "cpu_ms")) + " (whole process)",
                        fmt3(threadCpu / d(base, "cpu_ms")),
                        "< 4 ms",
                        threadCpu < 4,
                        load);
                row(
                        regime,
                        setting,
                        "CPU ms/image, whole JVM (JIT, GC, staging) + PostgreSQL",
                        fmt(d(job, "process_cpu_ms")) + " + " + fmt(d(job, "pg_cpu_ms")),
                        fmt(d(base, "cpu_ms")),
                        fmt3((d(job, "process_cpu_ms") + d(job, "pg_cpu_ms")) / d(base, "cpu_ms")),
                        "—",
                        null,
                        load);
            }
            job.put("peer_rate", base.get("rate"));
            job.put("peer_rss_mib", base.get("rss_mib"));
            return job;
        } finally {
            server.destroyForcibly();
            server.waitFor();
        }
    }

    /** What synchronous_commit costs: the job on the production settings and on a server with it off. */
    private Object durability(int c, int n, long minMs, long maxMs) throws Exception {
        String loadBefore = load();
        Process server = startServer(minMs, maxMs, 256);
        try {
            String baseUrl = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            String[] args = {"--base-url", baseUrl, "--prompts", String.valueOf(n), "--concurrency", String.valueOf(c)};
            Map<String, String> on = jobRun(null, args);
            List<String> off = new ArrayList<>(List.of(args));
            off.addAll(List.of("--db", "async"));
            Map<String, String> async = jobRun(null, off.toArray(String[]::new));
            row(
                    "durability",
                    "C=" + c + ", " + n + " prompts, "
                            + (maxMs == 0 ? "no latency" : "latency " + minMs + "–" + maxMs + " ms")
                            + "; the job as shipped vs synchronous_commit off everywhere",
                    "images/s",
                    fmt(d(on, "rate")),
                    fmt(d(async, "rate")) + " (all commits asynchronous)",
                    fmt3(d(on, "rate") / d(async, "rate")),
                    "—",
                    null,
                    loadBefore + " → " + load());
        } finally {
            server.destroyForcibly();
            server.waitFor();
        }
        return null;
    }

    private Process startServer(long minMs, long maxMs, int kib) throws IOException {
        return new ProcessBuilder(
                        java(),
                        kib >= 1024 ? "-Xmx4g" : "-Xmx1g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BenchServer.class.getName(),
                        String.valueOf(minMs),
                        String.valueOf(maxMs),
                        String.valueOf(kib),
                        "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** The job in a fresh JVM with the launcher's {@code jvm.options}; heap null: the JVM's default, as the launcher runs it. */
    private Map<String, String> jobRun(String heap, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(launcherJvmOptions());
        if (heap != null) {
            cmd.add("-Xmx" + heap);
        }
        cmd.addAll(List.of(
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), JobRun.class.getName()));
        cmd.addAll(List.of(args));
        List<String> given = List.of(args);
        Path log = Files.createTempFile("imagegen-jobrun", ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the job run failed, see " + log);
        }
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("RESULT ")) {
                Map<String, String> m = new LinkedHashMap<>();
                for (String kv : line.substring(7).split(" ")) {
                    m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
                // A run with max-images (the staging regime) ends STOPPED once it has made them.
                if (!"COMPLETED".equals(m.get("status"))
                        && !(given.contains("--max-images") && "STOPPED".equals(m.get("status")))) {
                    throw new IllegalStateException("the job run ended " + m.get("status") + ", see " + log);
                }
                Files.delete(log);
                return m;
            }
        }
        throw new IllegalStateException("no RESULT line, see " + log);
    }

    /** The baseline: {@code node peer.mjs} with a hook that prints its CPU time and peak RSS at exit. */
    private Map<String, String> peerRun(String baseUrl, int n, int c) throws Exception {
        Path dir = Files.createTempDirectory("imagegen-peer");
        try (var tsv = Files.newBufferedWriter(dir.resolve("prompts.tsv"), StandardCharsets.UTF_8)) {
            tsv.write("prompt\n");
            for (int i = 0; i < n; i++) {
                tsv.write("benchmark prompt number " + i + "\n");
            }
        }
        Path hook = dir.resolve("cpu-hook.mjs");
        Files.writeString(
                hook,
                "process.on('exit', () => { const u = process.cpuUsage(); "
                        + "console.log(`PEERCPU ${(u.user + u.system) / 1000} ${process.resourceUsage().maxRSS}`); });\n");
        ProcessBuilder pb = new ProcessBuilder(
                        "node",
                        "--import",
                        hook.toUri().toString(),
                        peer.resolve("peer.mjs").toString(),
                        dir.resolve("prompts.tsv").toString(),
                        dir.resolve("out").toString(),
                        baseUrl,
                        String.valueOf(c))
                .redirectErrorStream(true);
        pb.environment().put("OPENROUTER_API_KEY", "bench");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = PEER.matcher(output);
        Matcher cpu = PEER_CPU.matcher(output);
        if (!m.find() || !cpu.find() || !m.group(2).equals("0")) {
            throw new IllegalStateException("the baseline failed: " + output);
        }
        Map<String, String> r = new LinkedHashMap<>();
        r.put("images", m.group(1));
        r.put("rate", m.group(4));
        r.put("cpu_ms", String.valueOf(Double.parseDouble(cpu.group(1)) / Integer.parseInt(m.group(1))));
        r.put("rss_mib", String.valueOf(Long.parseLong(cpu.group(2)) / 1024));
        deleteTree(dir);
        return r;
    }

    // ---------------------------------------------------------------- start-up: the real launcher and jar

    private Object startup() throws Exception {
        String loadBefore = load();
        long floor = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            new ProcessBuilder(java(), "-version")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
            floor = Math.min(floor, (System.nanoTime() - t) / 1_000_000);
        }
        String floorText = "JVM floor (java -version) " + secs(floor) + " s";

        Path demo = Files.createTempDirectory("imagegen-demo");
        Path jobs = launcher.getParent().resolve("jobs");
        Files.copy(jobs.resolve("demo.yml"), demo.resolve("demo.yml"));
        Files.copy(jobs.resolve("demo-prompts.csv"), demo.resolve("demo-prompts.csv"));
        Map<String, String> env = Map.of("IMAGEGEN_HOME", demo.resolve("home").toString());
        long[] first = timed(demo, env, "run", "demo.yml", "--dry-run", "--progress", "off", "--set", "output.dir=out");
        long[] again = timed(
                demo,
                env,
                "run",
                "demo.yml",
                "--dry-run",
                "--progress",
                "off",
                "--set",
                "output.dir=out2",
                "--set",
                "dataset=demo2");
        String load = loadBefore + " → " + load();
        row(
                "start-up",
                "dry-run demo (20 images), first run (creates the database)",
                "to the summary, s (exit; CPU)",
                secs(first[0]) + " (" + secs(first[1]) + "; CPU " + secs(first[2]) + ")",
                floorText,
                fmt(first[0] / (double) floor) + "× floor",
                "≤ 4 s",
                first[0] <= 4000,
                load);
        row(
                "start-up",
                "dry-run demo (20 images), database exists",
                "to the summary, s (exit; CPU)",
                secs(again[0]) + " (" + secs(again[1]) + "; CPU " + secs(again[2]) + ")",
                floorText,
                fmt(again[0] / (double) floor) + "× floor",
                "≤ 4 s",
                again[0] <= 4000,
                load);
        deleteTree(demo);

        loadBefore = load();
        int n = quick ? 20_000 : 100_000;
        Path dir = Files.createTempDirectory("imagegen-startup");
        try (var csv = Files.newBufferedWriter(dir.resolve("prompts.csv"), StandardCharsets.UTF_8)) {
            csv.write("id,prompt,style\n");
            for (int i = 0; i < n; i++) {
                csv.write("row-" + i + ",a quiet harbour at dawn number " + i + ",oil\n");
            }
        }
        Files.writeString(dir.resolve("job.yml"), """
                dataset: nightly
                source: { csv: prompts.csv, id-column: id }
                model: { provider: placeholder, prompt-template: "{prompt}, {style}" }
                run: { concurrency: 8 }
                output: { dir: out }
                """);
        Map<String, String> home = Map.of("IMAGEGEN_HOME", dir.resolve("home").toString());
        timed(
                dir,
                home,
                "run",
                "job.yml",
                "--run-id",
                "first",
                "--set",
                "run.max-images=1",
                "--progress",
                "off",
                "--no-report");
        try (ImagegenDatabase db = ImagegenDatabase.embedded(dir.resolve("home"));
                Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                Statement s = c.createStatement()) {
            // As if the first night had finished: an image for every prompt.
            s.executeUpdate("""
                    INSERT INTO generated_image (dataset, prompt_id, variant, file_path, media_type, width, height,
                        bytes, sha256, request_hash, job_execution_id, job_instance_id)
                    SELECT dataset, prompt_id, 0, 'images/x.png', 'image/png', 1, 1, 1, 'x', request_hash, 0, 0
                      FROM prompt WHERE dataset = 'nightly'
                    ON CONFLICT DO NOTHING""");
            s.execute("ANALYZE");
            s.execute("CHECKPOINT");
        }
        long[] done1 = timed(dir, home, "run", "job.yml", "--progress", "off");
        long[] done2 = timed(dir, home, "run", "job.yml", "--progress", "off");
        long best = Math.min(done1[1], done2[1]);
        row(
                "start-up",
                "`imagegen run`, " + n + " prompts that all have their image",
                "wall, s (CPU)",
                secs(done1[1]) + " (CPU " + secs(done1[2]) + "), " + secs(done2[1]) + " (CPU " + secs(done2[2]) + ")",
                floorText,
                fmt(best / (double) floor) + "× floor",
                "≤ 3 s",
                best <= 3000,
                loadBefore + " → " + load());
        deleteTree(dir);
        return null;
    }

    /**
     * Runs the launcher; returns ms to the summary's first line, ms to exit, and the CPU ms of the command (user +
     * system, from /usr/bin/time: the JVM, not the database server it starts), which a loaded machine inflates
     * far less than wall time.
     */
    private long[] timed(Path dir, Map<String, String> env, String... args) throws Exception {
        Path cpu = Files.createTempFile("imagegen-cpu", ".txt");
        List<String> cmd =
                new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S", "-o", cpu.toString(), launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("IMAGEGEN_DB_URL");
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        long summary = -1;
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (summary < 0 && line.startsWith("imagegen: dataset")) {
                    summary = (System.nanoTime() - t0) / 1_000_000;
                }
                out.append(line).append('\n');
            }
        }
        int code = p.waitFor();
        long exit = (System.nanoTime() - t0) / 1_000_000;
        if (code != 0 && code != 3) {
            throw new IllegalStateException("imagegen " + String.join(" ", args) + " exited " + code + ":\n" + out);
        }
        String[] us = Files.readString(cpu).strip().split("\\s+");
        Files.delete(cpu);
        long cpuMs = Math.round((Double.parseDouble(us[us.length - 2]) + Double.parseDouble(us[us.length - 1])) * 1000);
        return new long[] {summary, exit, cpuMs};
    }

    // ---------------------------------------------------------------- report, memory, staging

    private Object report(int images) throws Exception {
        String loadBefore = load();
        Process server = startServer(0, 0, 256);
        try {
            String baseUrl = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            Map<String, String> job = jobRun(
                    null,
                    "--base-url",
                    baseUrl,
                    "--prompts",
                    "200",
                    "--concurrency",
                    "4",
                    "--report-images",
                    String.valueOf(images));
            double s = d(job, "report_s");
            row(
                    "report",
                    job.get("report_images") + "-image gallery, " + job.get("thumbnails_made")
                            + " thumbnails made (256 KiB PNGs)",
                    "report written, s",
                    fmt(s),
                    "— (writes no report)",
                    "—",
                    "≤ 10 s",
                    s <= 10,
                    loadBefore + " → " + load());
        } finally {
            server.destroyForcibly();
            server.waitFor();
        }
        return null;
    }

    private Object memory(int c, int kib, int n) throws Exception {
        long boundMiB = 64 + 3L * c * kib / 1024;
        String loadBefore = load();
        Map<String, String> job = throughput0(c, n, kib, boundMiB + "m");
        long peak = Long.parseLong(job.get("peak_heap_mib"));
        row(
                "memory",
                "C=" + c + ", " + n + " prompts, latency 0–100 ms, " + kib / 1024 + " MiB images, -Xmx" + boundMiB
                        + "m",
                "peak heap used, MiB (GC time in the generate step; RSS)",
                peak + " (GC " + job.get("gc_s") + " s of " + job.get("generate_s") + " s; RSS "
                        + job.get("peak_rss_mib") + ")",
                "RSS " + job.get("peer_rss_mib"),
                "—",
                "≤ " + boundMiB + " MiB",
                peak <= boundMiB,
                loadBefore + " → " + load());
        return null;
    }

    private Map<String, String> throughput0(int c, int n, int kib, String heap) throws Exception {
        Process server = startServer(0, 100, kib);
        try {
            String baseUrl = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            Map<String, String> job = jobRun(
                    heap, "--base-url", baseUrl, "--prompts", String.valueOf(n), "--concurrency", String.valueOf(c));
            Map<String, String> base = peerRun(baseUrl, n, c);
            job.put("peer_rss_mib", base.get("rss_mib"));
            return job;
        } finally {
            server.destroyForcibly();
            server.waitFor();
        }
    }

    private Object staging(int n) throws Exception {
        String loadBefore = load();
        Map<String, String> job =
                jobRun("256m", "--prompts", String.valueOf(n), "--concurrency", "4", "--max-images", "1");
        row(
                "memory",
                "staging " + n + " rows (CSV), -Xmx256m",
                "stage step, s",
                fmt(d(job, "stage_s")) + " (peak heap " + job.get("peak_heap_mib") + " MiB)",
                "—",
                "—",
                "completes with 256 MiB",
                true,
                loadBefore + " → " + load());
        return null;
    }

    // ---------------------------------------------------------------- the table

    private void row(
            String regime,
            String setting,
            String figure,
            String job,
            String baseline,
            String ratio,
            String target,
            Boolean met,
            String load) {
        String[] r = {regime, setting, figure, job, baseline, ratio, target, met == null ? "" : met ? "yes" : "no", load
        };
        rows.add(r);
        System.err.println("bench: | " + String.join(" | ", r) + " |");
    }

    private void print() {
        System.out.println();
        System.out.println("| regime | setting | figure | the job | the baseline | job / baseline | target | met "
                + "| load (1-min, before → after) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (String[] r : rows) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String key = argv[i].replaceFirst("^--", "");
            if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                m.put(key, argv[++i]);
            } else {
                m.put(key, "true");
            }
        }
        return m;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** The options the launcher runs the JVM with (its {@code jvm.options} file: one per line, # comments). */
    static List<String> launcherJvmOptions() throws IOException {
        return Files.readAllLines(Path.of("jvm.options")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double d(Map<String, String> m, String k) {
        return Double.parseDouble(m.get(k));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String secs(long ms) {
        return String.format(Locale.ROOT, "%.2f", ms / 1000.0);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
