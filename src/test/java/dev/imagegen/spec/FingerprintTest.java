package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint recorded with a run: restarts compare it, so the same settings must always give the same value. */
class FingerprintTest {

    @TempDir
    Path dir;

    private JobSpec load(String... overrides) throws Exception {
        // Absolute paths only (and a JDBC source): the value must not depend on where the test runs.
        Path file = Files.writeString(dir.resolve("job.yml"), """
                dataset: fp
                source:
                  jdbc: { url: "jdbc:postgresql://db.test:5432/src", user: reader, query: "SELECT id, prompt FROM p" }
                  reference-root: /
                model: { api-key: "k", name: some/model, seed: 7, base-url: "https://user:pw@example.test/api/v1" }
                output: { dir: /fingerprint/out }
                """);
        return new JobSpecLoader().load(file, List.of(overrides));
    }

    @Test
    void theValueIsTheOneRunsRecordedBeforeItMovedToJobSpec() throws Exception {
        // Computed by RunLauncher.fingerprint before the move: a changed value would refuse every restart.
        assertThat(load().fingerprint()).isEqualTo("2:09c9d180acdb57b1");
        assertThat(load("model.seed=8").fingerprint()).isEqualTo("2:cfe2cf24ff6fdaaa");
    }

    @Test
    void aRunMatchesItsOwnFingerprintOnly() throws Exception {
        JobSpec spec = load();
        assertThat(spec.matchesFingerprint(spec.fingerprint())).isTrue();
        assertThat(spec.matchesFingerprint(load("model.seed=8").fingerprint())).isFalse();
        assertThat(spec.matchesFingerprint("2:0000000000000000")).isFalse();
        assertThat(load("model.api-key=other", "run.concurrency=3").fingerprint())
                .as("no secrets, no tuning")
                .isEqualTo(spec.fingerprint());
    }
}
