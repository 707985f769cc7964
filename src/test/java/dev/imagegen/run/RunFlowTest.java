package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.ExitCode;
import dev.imagegen.progress.ProgressMode;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of a run's flow that need no database: pre-flight, the progress options, the restart command. */
class RunFlowTest {

    @TempDir
    Path dir;

    private Path job;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt\n1,a cat\n");
        job = Files.writeString(dir.resolve("job.yml"), """
                dataset: d
                source: { csv: p.csv }
                model: { api-key: "${TEST_KEY_THAT_IS_NOT_SET:-}" }
                output: { dir: out/images }
                """);
    }

    private RunFlow flow(boolean dryRun, String progress, String... overrides) {
        return new RunFlow(
                new RunFlow.Options(job, List.of(overrides), dryRun, false, progress, "10s", false),
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void preFlightWantsAKeyUnlessItIsADryRunAndCreatesTheOutputDirectory() {
        assertThatThrownBy(() -> flow(false, "off").load(true))
                .isInstanceOf(JobFileException.class)
                .hasMessageStartingWith("model.api-key: no API key")
                .hasMessageContaining("--dry-run");
        assertThat(dir.resolve("out/images")).doesNotExist();

        JobSpec spec = flow(true, "off").load(true);
        assertThat(spec.model().isPlaceholder()).isTrue();
        assertThat(dir.resolve("out/images")).isDirectory();
    }

    @Test
    void preFlightChecksTheSourceColumnsOnlyWhenAsked() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,text\n1,a cat\n");
        assertThat(flow(true, "off").load(false).dataset()).isEqualTo("d");
        assertThatThrownBy(() -> flow(true, "off").load(true)).isInstanceOf(JobFileException.class);
    }

    @Test
    void progressOptionsAreParsedAndABadOneIsAUsageError() {
        RunFlow.Display shown = flow(true, "log").display();
        assertThat(shown.mode()).isEqualTo(ProgressMode.LOG);
        assertThat(shown.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(shown.report()).isFalse();
        assertThatThrownBy(() -> flow(true, "sparkles").display()).hasMessageStartingWith("--progress: ");
    }

    @Test
    void aRunThatCannotLoadPrintsWhyAndExitsWithUsage() {
        assertThat(flow(false, "off").run(null, launcher -> null)).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("imagegen: model.api-key: no API key");
    }

    @Test
    void theRestartCommandRepeatsDryRunAndRemoteWorkers() {
        JobSpec remote = flow(true, "off", "run.workers=remote").load(false);
        assertThat(flow(true, "off").restartCommand(remote, "r1"))
                .isEqualTo("imagegen run " + job + " --run-id r1 --dry-run --workers remote");
        JobSpec local = flow(false, "off", "model.api-key=k").load(false);
        assertThat(flow(false, "off").restartCommand(local, "r1")).isEqualTo("imagegen run " + job + " --run-id r1");
    }
}
