package dev.imagegen.remote;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.imagegen.run.RunLauncher;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a worker gets a run's job file: parameters written by the manager, read back by the worker. */
class RemoteJobFileTest {

    @TempDir
    Path dir;

    private Path jobFile;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt\n1,a cat\n");
        jobFile = dir.resolve("job.yml");
        Files.writeString(jobFile, """
                dataset: d
                source: { csv: p.csv }
                model: { api-key: "${TEST_KEY_THAT_IS_NOT_SET:-}" }
                run: { workers: remote }
                """);
    }

    private JobParameters managerParameters(JobSpec spec, Map<String, String> remote) {
        JobParametersBuilder b = new JobParametersBuilder()
                .addString("job.file", spec.file().toString(), false)
                .addString("job.fingerprint", RunLauncher.fingerprint(spec), false);
        remote.forEach((k, v) -> b.addString(k, v, false));
        return b.toJobParameters();
    }

    @Test
    void overridesTravelWithoutTheKeyAndTheWorkerUsesItsOwnConcurrency() {
        List<String> overrides = List.of("model.seed=9", "model.api-key=sk-or-secret", "run.chunk-size=7");
        JobSpec manager = new JobSpecLoader().load(jobFile, overrides);
        Map<String, String> remote = RemoteJobFile.parameters(overrides, false, manager);

        assertThat(remote.get(RemoteJobFile.OVERRIDES)).contains("model.seed=9").contains("run.chunk-size=7")
                .doesNotContain("secret").doesNotContain("api-key");
        assertThat(remote).doesNotContainKey(RemoteJobFile.DRY_RUN);

        // The worker has no key in its environment: a real run cannot work there ...
        assertThatThrownBy(() -> RemoteJobFile.load(managerParameters(manager, remote), 3))
                .isInstanceOf(JobFileException.class).hasMessageContaining("model.api-key");
    }

    @Test
    void aDryRunLoadsTheSameSettingsWithTheWorkersConcurrency() {
        List<String> overrides = List.of("model.seed=9");
        JobSpec manager = new JobSpecLoader().load(jobFile, overrides).asDryRun();
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(overrides, true, manager));

        JobSpec worker = RemoteJobFile.load(params, 3);

        assertThat(worker.model().isPlaceholder()).isTrue();
        assertThat(worker.model().seed()).isEqualTo(9L);
        assertThat(worker.run().concurrency()).isEqualTo(3);
        assertThat(RunLauncher.fingerprint(worker)).isEqualTo(RunLauncher.fingerprint(manager));
    }

    @Test
    void aJobFileChangedSinceTheRunStartedIsRefused() throws Exception {
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of()).asDryRun();
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), true, manager));
        Files.writeString(jobFile, Files.readString(jobFile) + "output: { dir: elsewhere }\n");

        assertThatThrownBy(() -> RemoteJobFile.load(params, 3)).isInstanceOf(JobFileException.class)
                .hasMessageContaining("differs from the one the run was started with");
    }

    @Test
    void aJobFileMissingOnTheWorkerNamesTheSharedFilesystem() throws Exception {
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of()).asDryRun();
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), true, manager));
        Files.delete(jobFile);

        assertThatThrownBy(() -> RemoteJobFile.load(params, 3)).isInstanceOf(JobFileException.class)
                .hasMessageContaining("not found").hasMessageContaining("shared filesystem");
    }
}
