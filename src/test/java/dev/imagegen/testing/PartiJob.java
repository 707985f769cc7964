package dev.imagegen.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A job over the 200 PartiPrompts (src/test/resources/parti) plus some prompts of a test's own, e.g. failures. */
public final class PartiJob {

    private PartiJob() {}

    /** Writes {@code parti.tsv} into {@code dir} and returns a job over it against {@code server} ($0.0375/image). */
    public static TestJob of(Path dir, TestDatabase db, FakeOpenRouter server, String dataset, List<String> extra)
            throws IOException {
        StringBuilder tsv = new StringBuilder();
        try (InputStream in = PartiJob.class.getResourceAsStream("/parti/PartiPrompts-200.tsv")) {
            tsv.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String p : extra) {
            tsv.append(p).append("\tTest\tFailure\t\n");
        }
        Files.writeString(dir.resolve("parti.tsv"), tsv);
        server.costPerImage(0.0375);
        return new TestJob(dir, db, """
                dataset: %s
                source: { csv: parti.tsv, prompt-column: Prompt }
                model: { base-url: %s, api-key: k, seed: 1, timeout: 10s }
                run: { concurrency: 4, chunk-size: 4, retry: { max-attempts: 3, initial-delay: 10ms, max-delay: 50ms } }
                output: { dir: out }
                """.formatted(dataset, server.baseUrl()));
    }
}
