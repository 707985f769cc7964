package dev.imagegen.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.run.RunFlow;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scheduler prints about a run that did not start: the command that starts it as the scheduler would. */
class ScheduleFlowTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String failureLine(boolean dryRun, String... overrides) throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt\n1,a cat\n");
        Path job = Files.writeString(dir.resolve("job.yml"), """
                dataset: d
                source: { csv: p.csv }
                model: { provider: placeholder }
                schedule: { cron: "0 2 * * *" }
                """);
        JobSpec spec = new JobSpecLoader().load(job, List.of(overrides));
        PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
        RunFlow flow = new RunFlow(
                new RunFlow.Options(job, List.of(overrides), dryRun, false, "off", "30s", true), System.out, errs);
        new ScheduleFlow(flow, System.out, errs)
                .reporter(spec)
                .failure("2025-06-01", new IllegalStateException("cannot reach the database"));
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theHintOfARemoteRunKeepsItsWorkers() throws Exception {
        // The scheduler's own copy of the hint used to forget --workers remote.
        assertThat(failureLine(true, "run.workers=remote"))
                .contains("imagegen: run 2025-06-01 did not start: cannot reach the database")
                .contains("(after fixing it: imagegen run " + dir.resolve("job.yml")
                        + " --run-id 2025-06-01 --dry-run --workers remote)");
    }

    @Test
    void theHintOfALocalRunNamesNoWorkers() throws Exception {
        assertThat(failureLine(false))
                .contains("(after fixing it: imagegen run " + dir.resolve("job.yml") + " --run-id 2025-06-01)");
    }
}
