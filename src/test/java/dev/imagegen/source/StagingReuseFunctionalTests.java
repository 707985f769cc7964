package dev.imagegen.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A nightly run over an unchanged source works on the last complete staging instead of rewriting every prompt row;
 * any change of the file or of a setting that shapes a row stages again, and so does a run after a staging that did
 * not finish.
 */
class StagingReuseFunctionalTests extends FunctionalTest {

    private static final String YAML = """
            dataset: nightly
            source: { csv: prompts.csv, id-column: id }
            model: { provider: placeholder, prompt-template: "{prompt}, {style}" }
            run: { concurrency: 2 }
            output: { dir: out }
            """;

    private TestJob job;

    @BeforeEach
    void job() {
        job = new TestJob(dir, db, YAML);
    }

    @Test
    void anUnchangedSourceIsNotStagedAgainAndWhatIsMissingIsStillMade() throws Exception {
        job.file("prompts.csv", "id,prompt,style\na,a calm sea,oil\nb,a red door,ink\nbad,only two\nc,a hill,oil\n");
        TestJob.Result first = job.run("run", "--run-id", "first", "--set", "run.max-images=1");
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(3); // stopped by max-images
        List<String> rowVersions = rowVersions();

        TestJob.Result second = job.run("run", "--run-id", "second");

        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(rowVersions()).as("no prompt row written again").isEqualTo(rowVersions);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Long.class))
                .isEqualTo(3L);
        long secondRun = instance("second");
        // The run has the rejected row of its source, and the stage step's read count, as if it had read it.
        assertThat(jdbc.queryForList(
                        "SELECT line || ' ' || reason FROM source_reject WHERE job_instance_id = ?",
                        String.class,
                        secondRun))
                .containsExactly("4 has 2 fields, the header has 3");
        assertThat(stageReadCount(secondRun)).isEqualTo(stageReadCount(instance("first")));
        assertThat(second.stdout()).contains("prompts read    4");
        // The plan line counts from the reused staging what it would have counted from the file.
        assertThat(second.stdout() + second.stderr()).contains("plan: 2 images in 2 calls");
    }

    @Test
    void aChangedFileOrSettingIsStagedAgain() throws Exception {
        job.file("prompts.csv", "id,prompt,style\na,a calm sea,oil\nb,a red door,ink\n");
        assertThat(job.run("run", "--run-id", "first").exitCode()).isZero();

        job.file("prompts.csv", "id,prompt,style\na,a calm sea,oil\nb,a blue door,ink\n");
        assertThat(job.run("run", "--run-id", "second").exitCode()).isZero();
        assertThat(stagedBy()).containsOnly(instance("second"));
        assertThat(madeBy("a")).isEqualTo(instance("first"));
        assertThat(madeBy("b")).as("the changed prompt is drawn again").isEqualTo(instance("second"));

        TestJob.Result third = job.run("run", "--run-id", "third", "--set", "model.prompt-template={prompt}");
        assertThat(third.exitCode()).as(third.toString()).isZero();
        assertThat(stagedBy()).containsOnly(instance("third"));
        assertThat(madeBy("a")).isEqualTo(instance("third"));
        assertThat(madeBy("b")).isEqualTo(instance("third"));
    }

    @Test
    void aStagingThatDidNotFinishIsNeverTakenForTheLastCompleteOne() throws Exception {
        StringBuilder original = new StringBuilder("id,prompt,style\n");
        for (int i = 0; i < 2100; i++) {
            original.append("row-")
                    .append(i)
                    .append(",a harbour number ")
                    .append(i)
                    .append(",oil\n");
        }
        job.file("prompts.csv", original.toString());
        assertThat(job.run("run", "--run-id", "first", "--set", "run.max-images=1")
                        .exitCode())
                .isEqualTo(3);
        // The next staging fails in its second chunk, after its first chunk rewrote 2,000 rows.
        jdbc.execute("""
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN IF NEW.prompt_id = 'row-2050' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$""");
        jdbc.execute("CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON prompt FOR EACH ROW EXECUTE FUNCTION refuse()");
        job.file("prompts.csv", original.toString().replace("a harbour number 5,", "a harbour number five,"));
        assertThat(job.run("run", "--run-id", "second").exitCode()).isEqualTo(1);
        jdbc.execute("DROP TRIGGER refuse ON prompt");

        job.file("prompts.csv", original.toString()); // the first run's file again
        TestJob.Result third = job.run("run", "--run-id", "third", "--set", "run.max-images=1");

        assertThat(third.exitCode()).as(third.toString()).isEqualTo(3);
        assertThat(stagedBy()).containsOnly(instance("third"));
    }

    private List<String> rowVersions() {
        return jdbc.queryForList("SELECT prompt_id || ':' || xmin::text FROM prompt ORDER BY prompt_id", String.class);
    }

    private List<Long> stagedBy() {
        return jdbc.queryForList("SELECT DISTINCT staged_instance_id FROM prompt", Long.class);
    }

    private long madeBy(String promptId) {
        return jdbc.queryForObject(
                "SELECT job_instance_id FROM generated_image WHERE prompt_id = ?", Long.class, promptId);
    }

    private long instance(String runId) {
        return jdbc.queryForObject("""
                SELECT i.job_instance_id FROM batch_job_instance i
                  JOIN batch_job_execution e ON e.job_instance_id = i.job_instance_id
                  JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                 WHERE p.parameter_name = 'run.id' AND p.parameter_value = ? LIMIT 1""", Long.class, runId);
    }

    private long stageReadCount(long instance) {
        return jdbc.queryForObject("""
                SELECT sum(s.read_count) FROM batch_step_execution s
                  JOIN batch_job_execution e ON e.job_execution_id = s.job_execution_id
                 WHERE e.job_instance_id = ? AND s.step_name = 'stage'""", Long.class, instance);
    }
}
