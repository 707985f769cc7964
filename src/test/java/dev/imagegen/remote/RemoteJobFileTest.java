package dev.imagegen.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

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
                .addString("job.fingerprint", spec.fingerprint(), false);
        remote.forEach((k, v) -> b.addString(k, v, false));
        return b.toJobParameters();
    }

    @Test
    void overridesTravelWithoutTheKeyAndTheWorkerUsesItsOwnConcurrency() {
        List<String> overrides = List.of("model.seed=9", "model.api-key=sk-or-secret", "run.chunk-size=7");
        JobSpec manager = new JobSpecLoader().load(jobFile, overrides);
        Map<String, String> remote = RemoteJobFile.parameters(overrides, false, manager);

        assertThat(remote.get(RemoteJobFile.OVERRIDES))
                .contains("model.seed=9")
                .contains("run.chunk-size=7")
                .doesNotContain("secret")
                .doesNotContain("api-key");
        assertThat(remote).doesNotContainKey(RemoteJobFile.DRY_RUN);

        // The worker has no key in its environment: a real run cannot work there ...
        assertThatThrownBy(() -> RemoteJobFile.load(managerParameters(manager, remote), 3))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("model.api-key");
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
        assertThat(worker.fingerprint()).isEqualTo(manager.fingerprint());
    }

    @Test
    void aJobFileChangedSinceTheRunStartedIsRefused() throws Exception {
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of()).asDryRun();
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), true, manager));
        Files.writeString(jobFile, Files.readString(jobFile) + "output: { dir: elsewhere }\n");

        assertThatThrownBy(() -> RemoteJobFile.load(params, 3))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("differs from the one the run was started with");
    }

    @Test
    void aJobFileMissingOnTheWorkerNamesTheSharedFilesystem() throws Exception {
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of()).asDryRun();
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), true, manager));
        Files.delete(jobFile);

        assertThatThrownBy(() -> RemoteJobFile.load(params, 3))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("not found")
                .hasMessageContaining("shared filesystem");
    }

    @Test
    void noSecretOfAnyKindTravelsAndASourceUrlTravelsWithoutItsPassword() {
        List<String> overrides = List.of(
                "source.jdbc.password=hunter2-pw",
                "model.image-config.token=tok-123",
                "model.image-config.client_secret=cs-456",
                "model.image-config.apiKey=ak-789",
                "model.title=${HOME}",
                "model.seed=9");
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of());
        Map<String, String> remote = RemoteJobFile.parameters(overrides, false, manager);

        assertThat(String.join(" ", remote.values()))
                .doesNotContain("hunter2")
                .doesNotContain("tok-123")
                .doesNotContain("cs-456")
                .doesNotContain("ak-789")
                .doesNotContain("${HOME}")
                .contains("model.seed=9");
        assertThat(remote.get(RemoteJobFile.WITHHELD))
                .contains("source.jdbc.password")
                .contains("model.title");
        assertThat(RemoteJobFile.parameters(
                                List.of("source.jdbc.url=jdbc:postgresql://db/x?password=pw1&ssl=true"), false, manager)
                        .get(RemoteJobFile.OVERRIDES))
                .contains("source.jdbc.url=jdbc:postgresql://db/x?ssl=true")
                .doesNotContain("pw1");
        // max-tokens is a setting, not a secret
        assertThat(RemoteJobFile.parameters(List.of("model.max-tokens=100"), false, manager)
                        .get(RemoteJobFile.OVERRIDES))
                .contains("model.max-tokens=100");
    }

    @Test
    void aRemoteRunRefusesToPassOnWhereRequestsGo() {
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of());
        for (String key : List.of("model.base-url", "model.provider")) {
            assertThatThrownBy(() -> RemoteJobFile.parameters(List.of(key + "=x"), false, manager))
                    .isInstanceOf(JobFileException.class)
                    .hasMessageContaining("--set " + key)
                    .hasMessageContaining("job file");
        }
    }

    @Test
    void aWorkerRefusesOverridesThatSomeoneWroteIntoTheJobRepository() throws Exception {
        Files.writeString(jobFile, Files.readString(jobFile).replace("${TEST_KEY_THAT_IS_NOT_SET:-}", "sk-worker"));
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of());
        for (String injected : List.of(
                "model.base-url=https://evil.example/v1",
                "model.provider=openai",
                "model.api-key=${SOME_OTHER_VARIABLE}",
                "model.title=${IMAGEGEN_DB_PASSWORD}")) {
            JobSpec changed = new JobSpecLoader(variablesSetTo("x")).load(jobFile, List.of(injected));
            // An attacker who can write the job repository can also recompute the fingerprint.
            JobParameters params = new JobParametersBuilder()
                    .addString("job.file", jobFile.toString(), false)
                    .addString("job.fingerprint", changed.fingerprint(), false)
                    .addString(RemoteJobFile.OVERRIDES, "[\"" + injected + "\"]", false)
                    .toJobParameters();
            assertThatThrownBy(() -> RemoteJobFile.load(params, 3))
                    .as(injected)
                    .isInstanceOf(JobFileException.class)
                    .hasMessageContaining("override of " + injected.substring(0, injected.indexOf('=')))
                    .message()
                    .doesNotContain("evil")
                    .doesNotContain("IMAGEGEN_DB_PASSWORD");
        }
        assertThat(RemoteJobFile.load(
                                managerParameters(manager, RemoteJobFile.parameters(List.of(), false, manager)), 3)
                        .model()
                        .baseUrl())
                .isEqualTo(manager.model().baseUrl());
    }

    @Test
    void whereRequestsGoIsPartOfTheFingerprint() throws Exception {
        String model = "model: { base-url: \"https://a.example/v1\", api-key: k";
        Files.writeString(jobFile, jobFileWith(model + " }"));
        JobSpec manager = new JobSpecLoader().load(jobFile, List.of());
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), false, manager));
        assertThat(RemoteJobFile.load(params, 3).dataset()).isEqualTo("d");

        for (String changed : List.of(
                "model: { base-url: \"https://b.example/v1\", api-key: k }",
                model + ", fallback-models: [x/y] }",
                model + ", provider-routing: { order: [z] } }")) {
            Files.writeString(jobFile, jobFileWith(changed));
            assertThatThrownBy(() -> RemoteJobFile.load(params, 3))
                    .as(changed)
                    .isInstanceOf(JobFileException.class)
                    .hasMessageContaining("differs from the one the run was started with");
        }
    }

    private static String jobFileWith(String modelLine) {
        return """
                dataset: d
                source: { csv: p.csv }
                %s
                run: { workers: remote }
                """.formatted(modelLine);
    }

    @Test
    void aWorkerWithoutItsKeyNamesTheVariable() throws Exception {
        Files.writeString(
                jobFile, Files.readString(jobFile).replace("${TEST_KEY_THAT_IS_NOT_SET:-}", "${WORKER_KEY_VARIABLE}"));
        JobSpec manager = new JobSpecLoader(variablesSetTo("sk-manager")).load(jobFile, List.of());
        JobParameters params = managerParameters(manager, RemoteJobFile.parameters(List.of(), false, manager));

        assertThatThrownBy(() -> RemoteJobFile.load(params, 3, name -> null))
                .isInstanceOf(JobFileException.class)
                .hasMessageContaining("model.api-key")
                .hasMessageContaining("WORKER_KEY_VARIABLE")
                .message()
                .doesNotContain("sk-manager");
        assertThat(RemoteJobFile.load(params, 3, variablesSetTo("sk-worker"))
                        .model()
                        .apiKey()
                        .reveal())
                .isEqualTo("sk-worker");
    }

    /**
     * An environment where every variable the job file names is set to {@code value}; the loader's own settings
     * (e.g. IMAGEGEN_PUSHGATEWAY) stay unset, as on a machine that does not use them.
     */
    private static java.util.function.UnaryOperator<String> variablesSetTo(String value) {
        return name -> name.equals("IMAGEGEN_PUSHGATEWAY") ? null : value;
    }
}
