package dev.imagegen.testing;

import dev.imagegen.cli.Imagegen;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The real {@code imagegen} command in a child JVM (the test JVM's classpath), for what one JVM cannot show: a
 * {@code kill -9} or a signal at a chosen moment, several processes at once (workers and managers, two runs of one
 * dataset, processes sharing one embedded PostgreSQL), logging that the process sets up itself.
 *
 * <p>The child does not inherit the test JVM's environment: it gets only what a JVM needs from it ({@link #INHERITED}:
 * path, home, locale, time zone, temporary directory) and what the test gives it. No {@code IMAGEGEN_*} variable,
 * provider key or other secret of the shell that runs the build reaches it. It runs either on a {@link TestDatabase}
 * or on an embedded server of its own under a given {@code IMAGEGEN_HOME}; starting it with neither fails.
 *
 * <p>Standard output and standard error are appended to {@code <name>.out} and {@code <name>.err} in the working
 * directory (name {@code child} unless given), so a restart under the same name adds to the log of the run before it;
 * {@link #await()} returns only what this process wrote.
 */
public final class ImagegenProcess implements AutoCloseable {

    /** What a child takes from the test JVM's environment (and every {@code LC_*}). */
    static final Set<String> INHERITED = Set.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR");

    private static final long AWAIT_MINUTES = 2;

    private final Process process;
    private final Log log;
    private final long outStart;
    private final long errStart;

    private ImagegenProcess(Process process, Log log, long outStart, long errStart) {
        this.process = process;
        this.log = log;
        this.outStart = outStart;
        this.errStart = errStart;
    }

    /** A child working in {@code dir} (its relative paths, and its logs, are there). */
    public static Launcher in(Path dir) {
        return new Launcher(dir);
    }

    /** How to start a child: its database, environment and log name; then {@link #start(String...)}. */
    public static final class Launcher {
        private final Path dir;
        private final Map<String, String> env = new LinkedHashMap<>();
        /** A test's child is short-lived: C1 alone starts it in 2/3 of the time with half the CPU. */
        private List<String> jvm = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");

        private String name = "child";
        private Consumer<ImagegenProcess> onStart = p -> {};

        private Launcher(Path dir) {
            this.dir = dir;
        }

        /** On this test database ({@code IMAGEGEN_DB_URL}, {@code _USER}, {@code _PASSWORD}), not an embedded one. */
        public Launcher database(TestDatabase db) {
            env.remove("IMAGEGEN_HOME");
            env.put("IMAGEGEN_DB_URL", db.url());
            env.put("IMAGEGEN_DB_USER", db.user());
            env.put("IMAGEGEN_DB_PASSWORD", db.password());
            return this;
        }

        /**
         * On the embedded server under {@code home} ({@code IMAGEGEN_HOME}), shared by every child given it, instead of
         * a test database.
         */
        public Launcher home(Path home) {
            List.of("IMAGEGEN_DB_URL", "IMAGEGEN_DB_USER", "IMAGEGEN_DB_PASSWORD")
                    .forEach(env::remove);
            env.put("IMAGEGEN_HOME", home.toString());
            return this;
        }

        /** A variable of the child's environment. */
        public Launcher env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Launcher env(Map<String, String> more) {
            env.putAll(more);
            return this;
        }

        /** JVM options instead of the test's ({@code -Xmx512m}, C1 only): e.g. a benchmark's heap and GC log. */
        public Launcher jvm(List<String> options) {
            this.jvm = List.copyOf(options);
            return this;
        }

        /** Output into {@code <name>.out} and {@code <name>.err} (several children in one directory). */
        public Launcher log(String name) {
            this.name = name;
            return this;
        }

        /** Called with each child started (e.g. to kill it after the test if it is still running). */
        public Launcher onStart(Consumer<ImagegenProcess> onStart) {
            this.onStart = onStart;
            return this;
        }

        /** Starts {@code imagegen args...}. */
        public ImagegenProcess start(String... args) throws IOException {
            if (!env.containsKey("IMAGEGEN_DB_URL") && !env.containsKey("IMAGEGEN_HOME")) {
                throw new IllegalStateException("a child imagegen needs database(...) or home(...)");
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Imagegen.class.getName()));
            command.addAll(List.of(args));
            Log log = files();
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.out.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.err.toFile()));
            Map<String, String> childEnv = environment(System.getenv(), env);
            builder.environment().clear();
            builder.environment().putAll(childEnv);
            long outStart = size(log.out);
            long errStart = size(log.err);
            ImagegenProcess child = new ImagegenProcess(builder.start(), log, outStart, errStart);
            onStart.accept(child);
            return child;
        }

        /** Everything the children started under this log name wrote so far: standard output, then error. */
        public String output() throws IOException {
            return files().read();
        }

        private Log files() {
            return new Log(dir.resolve(name + ".out"), dir.resolve(name + ".err"));
        }
    }

    /** The child's environment: {@link #INHERITED} (and {@code LC_*}) of {@code parent}, then {@code given}. */
    static Map<String, String> environment(Map<String, String> parent, Map<String, String> given) {
        Map<String, String> env = new TreeMap<>();
        parent.forEach((name, value) -> {
            if (INHERITED.contains(name) || name.startsWith("LC_")) {
                env.put(name, value);
            }
        });
        env.putAll(given);
        return env;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM: a graceful stop (a second one stops at once). */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL, and waits for the end: the process gets no chance to record anything, as when a machine loses power. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** {@code kill -<name>}, e.g. {@code STOP} to freeze the process (a stalled machine) and {@code CONT} to thaw it. */
    public void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .start()
                .waitFor();
    }

    /** Whether the process ended within the time. */
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        return process.waitFor(timeout, unit);
    }

    public int exitValue() {
        return process.exitValue();
    }

    /** Waits for the end (at most two minutes, else kills it and fails) and returns its exit code and output. */
    public TestJob.Result await() throws IOException, InterruptedException {
        if (!process.waitFor(AWAIT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    "imagegen did not finish within " + AWAIT_MINUTES + " minutes:\n" + stdout() + stderr());
        }
        return new TestJob.Result(process.exitValue(), stdout(), stderr());
    }

    /** What this process wrote to standard output so far. */
    public String stdout() throws IOException {
        return Log.readFrom(log.out, outStart);
    }

    /** What this process wrote to standard error so far. */
    public String stderr() throws IOException {
        return Log.readFrom(log.err, errStart);
    }

    /** Everything written under this process's log name (earlier processes of the name too): output, then error. */
    public String log() throws IOException {
        return log.read();
    }

    /** Kills the process if it is still running (after a test that failed half-way). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    private static long size(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    private record Log(Path out, Path err) {
        String read() throws IOException {
            return readFrom(out, 0) + readFrom(err, 0);
        }

        static String readFrom(Path file, long offset) throws IOException {
            if (!Files.exists(file)) {
                return "";
            }
            try (InputStream in = Files.newInputStream(file)) {
                in.skipNBytes(Math.min(offset, Files.size(file)));
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
