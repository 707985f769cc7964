package dev.imagegen.testing;

import dev.imagegen.cli.Imagegen;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code imagegen} command in a separate JVM (the test's classpath), for what one JVM cannot show: two
 * processes at once, a process killed mid-run. Output goes to files in {@code dir}.
 */
public final class ImagegenProcess {

    private final Process process;
    private final Path out;
    private final Path err;

    private ImagegenProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code imagegen args...} with the given environment added (e.g. IMAGEGEN_DB_URL or IMAGEGEN_HOME). */
    public static ImagegenProcess start(Path dir, String name, Map<String, String> env, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Imagegen.class.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().remove("IMAGEGEN_DB_URL");
        builder.environment().putAll(env);
        return new ImagegenProcess(builder.start(), out, err);
    }

    /** Waits for the process to end (at most two minutes) and returns its exit code and output. */
    public TestJob.Result await() throws IOException, InterruptedException {
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("imagegen did not finish within 2 minutes:\n" + output());
        }
        return new TestJob.Result(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** SIGKILL: the process gets no chance to record anything, as when a machine loses power. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public String output() throws IOException {
        return Files.readString(out) + Files.readString(err);
    }
}
