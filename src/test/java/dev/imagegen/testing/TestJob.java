package dev.imagegen.testing;

import dev.imagegen.cli.ImagegenCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A job file in a temporary directory, run through the real command line in this JVM against a {@link TestDatabase}
 * and (usually) a {@link FakeOpenRouter}.
 */
public final class TestJob {

    private final Path dir;
    private final TestDatabase db;
    private String yaml;

    public TestJob(Path dir, TestDatabase db, String yaml) {
        this.dir = dir;
        this.db = db;
        this.yaml = yaml;
    }

    /** A standard job over {@code prompts.csv} (columns id,prompt) against the given server. */
    public static TestJob openRouter(Path dir, TestDatabase db, FakeOpenRouter server, String extraRunYaml) {
        return openRouter(dir, db, server, "openrouter", "openai/gpt-5.4-image-2", null, extraRunYaml);
    }

    /** The standard job with another provider and model, and extra {@code model:} keys (one line, may be null). */
    public static TestJob openRouter(
            Path dir,
            TestDatabase db,
            FakeOpenRouter server,
            String provider,
            String model,
            String extraModelYaml,
            String extraRunYaml) {
        return new TestJob(dir, db, """
                dataset: test
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                model:
                  provider: %s
                  name: %s
                  base-url: %s
                  api-key: test-key-123
                  seed: 7
                  timeout: 10s
                  %s
                run:
                  concurrency: 4
                  chunk-size: 3
                  retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms }
                %s
                output: { dir: out }
                """.formatted(
                        provider,
                        model,
                        server.baseUrl(),
                        extraModelYaml == null ? "" : extraModelYaml,
                        extraRunYaml == null ? "" : extraRunYaml.indent(2)));
    }

    public TestJob prompts(String... idAndPrompt) throws IOException {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < idAndPrompt.length; i += 2) {
            csv.append(idAndPrompt[i])
                    .append(",\"")
                    .append(idAndPrompt[i + 1].replace("\"", "\"\""))
                    .append("\"\n");
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        return this;
    }

    public TestJob file(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
        return this;
    }

    public TestJob yaml(String yaml) {
        this.yaml = yaml;
        return this;
    }

    public String yaml() {
        return yaml;
    }

    public Path dir() {
        return dir;
    }

    public Path output() {
        return dir.resolve("out");
    }

    /** Runs {@code imagegen <command> job.yml args...}; returns the exit code and what was printed. */
    public Result run(String command, String... args) throws IOException {
        Path jobFile = dir.resolve("job.yml");
        Files.writeString(jobFile, yaml);
        List<String> argv = new ArrayList<>(List.of(command, jobFile.toString()));
        argv.addAll(Arrays.asList(args));
        return invoke(argv.toArray(String[]::new));
    }

    public Result invoke(String... argv) {
        System.setProperty("IMAGEGEN_DB_URL", db.url());
        System.setProperty("IMAGEGEN_DB_USER", db.user());
        System.setProperty("IMAGEGEN_DB_PASSWORD", db.password());
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(new TeeStream(capturedOut, out), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new TeeStream(capturedErr, err), true, StandardCharsets.UTF_8));
            int code = ImagegenCommand.execute(argv);
            return new Result(
                    code, capturedOut.toString(StandardCharsets.UTF_8), capturedErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Exit code and output of one command. */
    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
