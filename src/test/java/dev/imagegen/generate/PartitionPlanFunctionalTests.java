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
 * restart keeps the first execution's partition count after any kill is CrashRecoveryFunctionalTests' business.
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

    private int images() {
        return jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class);
    }
}
