package dev.imagegen.generate;

import static dev.imagegen.testing.PromptFiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the generate step splits its work: no more partitions than about half the pending images (each partition
 * costs job-repository rows and commits) and the largest handed out first (the run ends on small ones). That a
 * restart keeps the first execution's partition count after any kill is CrashRecoveryFunctionalTests' business. A run
 * with nothing pending records no partition at all (a nightly run over a finished dataset: no page query to run).
 */
class PartitionPlanFunctionalTests extends FunctionalTest {

    @Test
    void aboutTwoImagesPerPartitionTheLargestFirst() throws Exception {
        numbered(dir.resolve("prompts.csv"), 60, "a picture");
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 1\nchunk-size: 1");

        TestJob.Result result = job.run("run", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(images()).isEqualTo(60);
        // One thread takes the partitions in the order they were handed out.
        List<Integer> written = jdbc.queryForList("""
                SELECT write_count FROM batch_step_execution WHERE step_name LIKE 'generate-partition:%'
                 ORDER BY start_time, step_execution_id""", Integer.class);
        assertThat(written).hasSize(30); // default run.partitions would be 32
        assertThat(written).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
        assertThat(written.get(0)).isGreaterThan(written.get(written.size() - 1));
    }

    @Test
    void aRunWithNothingLeftToDoRecordsNoPartitionAndCompletes() throws Exception {
        numbered(dir.resolve("prompts.csv"), 6, "a picture");
        TestJob job = TestJob.openRouter(dir, db, server, "concurrency: 4");
        assertThat(job.run("run", "--run-id", "r1").exitCode()).isZero();

        TestJob.Result again = job.run("run", "--run-id", "r2");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(jdbc.queryForObject("""
                        SELECT count(*) FROM batch_step_execution s
                          JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
                          JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                         WHERE s.step_name LIKE 'generate-partition:%' AND p.parameter_name = 'run.id'
                           AND p.parameter_value = 'r2'""", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("""
                        SELECT s.status FROM batch_step_execution s
                          JOIN batch_job_execution_params p ON p.job_execution_id = s.job_execution_id
                         WHERE s.step_name = ? AND p.parameter_name = 'run.id' AND p.parameter_value = 'r2'""", String.class, GeneratePartitions.MANAGER_STEP))
                .isEqualTo("COMPLETED");
        assertThat(images()).isEqualTo(6);
    }

    private int images() {
        return jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class);
    }
}
