package dev.imagegen.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The real command line in a child JVM, so a test can kill it ({@code destroyForcibly}: SIGKILL) or signal it
 * ({@code destroy}: SIGTERM) at chosen moments. Output goes to a log file next to the job.
 */
public final class ChildImagegen {

    private ChildImagegen() {}

    public static Process start(TestDatabase db, Path workDir, String... args) throws IOException {
        return startLogging(db, workDir, "child.log", args);
    }

    /** Like {@link #start}, with the output in {@code workDir/logName} (several children in one directory). */
    public static Process startLogging(TestDatabase db, Path workDir, String logName, String... args)
            throws IOException {
        return startLogging(db, workDir, logName, Map.of(), args);
    }

    /** Like {@link #startLogging(TestDatabase, Path, String, String...)}, with variables added to the environment. */
    public static Process startLogging(
            TestDatabase db, Path workDir, String logName, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:TieredStopAtLevel=1"); // short-lived: starts in 2/3 of the time with half the CPU
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.imagegen.cli.Imagegen");
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(workDir.toFile(), logName)));
        pb.environment().put("IMAGEGEN_DB_URL", db.url());
        pb.environment().put("IMAGEGEN_DB_USER", db.user());
        pb.environment().put("IMAGEGEN_DB_PASSWORD", db.password());
        pb.environment().putAll(env);
        return pb.start();
    }
}
