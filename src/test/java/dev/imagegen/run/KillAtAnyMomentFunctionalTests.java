package dev.imagegen.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.ImagegenProcess;
import dev.imagegen.testing.PromptFiles;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A {@code kill -9} at any moment of a run leaves a run that the same command restarts to completion, paying once for
 * each prompt: while it starts (the job instance and execution being created), while it stages, and while it creates
 * the generate step's partitions (a partition row whose execution context, what it covers, was not written yet).
 */
class KillAtAnyMomentFunctionalTests extends FunctionalTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int PROMPTS = 300;
    /** Many partitions, so that creating them takes long enough to be killed in the middle. */
    private static final int PARTITIONS = 2_048;

    private void writeJob() throws Exception {
        PromptFiles.numbered(dir.resolve("prompts.csv"), PROMPTS, "a picture of thing number");
        Files.writeString(dir.resolve("job.yml"), """
                dataset: anytime
                source: { csv: prompts.csv, id-column: id }
                model: { base-url: %s, api-key: k, seed: 3, timeout: 30s }
                run: { concurrency: 4, partitions: %d, chunk-size: 5 }
                output: { dir: out }
                """.formatted(server.baseUrl(), PARTITIONS));
    }

    private ImagegenProcess child() throws Exception {
        return imagegen().start("run", dir.resolve("job.yml").toString(), "--run-id", "r1");
    }

    private int count(String sql) {
        Integer n = jdbc.queryForObject(sql, Integer.class);
        return n == null ? 0 : n;
    }

    /**
     * Starts the run and SIGKILLs it the moment {@code moment} holds (polling the database) for the execution this
     * start makes, i.e. one newer than {@link #before}.
     */
    private void killWhen(Callable<Boolean> moment) throws Exception {
        before = jdbc.queryForObject(
                                "SELECT count(*) FROM pg_tables WHERE tablename = 'batch_job_execution'", Integer.class)
                        == 0
                ? 0
                : count("SELECT coalesce(max(job_execution_id), 0) FROM batch_job_execution");
        ImagegenProcess p = child();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(2))
                .ignoreExceptions()
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("the run ended before it was killed:\n"
                                + imagegen().output());
                    }
                    return moment.call();
                });
        p.kill();
    }

    private int before;

    private String partitionsOfThisExecution(String condition) {
        return """
                SELECT count(*) FROM batch_step_execution WHERE step_name LIKE 'generate-partition:%%'
                   AND job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution) AND job_execution_id > %d
                """.formatted(before) + condition;
    }
    /** The context is serialized and base64-encoded by Spring Batch: look for the key in its bytes. */
    private static final String WITHOUT_WHAT_IT_COVERS = """
            AND step_execution_id IN (SELECT step_execution_id FROM batch_step_execution_context
                     WHERE position(convert_to('partition.index', 'UTF8') IN decode(short_context, 'base64')) = 0)""";

    @Test
    void killedWhileStartingStagingAndCreatingPartitionsTheRunRestartsAndPaysOncePerPrompt() throws Exception {
        writeJob();
        server.behaviour(c -> server.success(c).withDelay(5));
        List<String> moments = new ArrayList<>();

        killWhen(() -> count("SELECT count(*) FROM batch_job_execution WHERE job_execution_id > " + before) > 0);
        moments.add("start-up");
        // On a busy machine the first kill may land after staging finished: then this start skips the stage step
        // and is killed as it starts instead.
        boolean staged = count("SELECT count(*) FROM batch_step_execution WHERE step_name = 'stage' "
                        + "AND status = 'COMPLETED'")
                > 0;
        killWhen(() -> count("SELECT count(*) FROM batch_step_execution WHERE step_name = 'stage' "
                                + "AND job_execution_id > " + before)
                        > 0
                || staged && count("SELECT count(*) FROM batch_job_execution WHERE job_execution_id > " + before) > 0);
        moments.add(staged ? "start-up (staging was done)" : "staging");
        // Creating the partitions: a partition row appears a moment before what it covers is written into it. Kill
        // there until one such partition is left (it took one or two tries in our runs).
        boolean partitionWithoutContext = false;
        for (int attempt = 0; attempt < 10 && !partitionWithoutContext; attempt++) {
            killWhen(() -> count(partitionsOfThisExecution("")) > 0);
            moments.add("partitioning");
            partitionWithoutContext = count(partitionsOfThisExecution(WITHOUT_WHAT_IT_COVERS)) > 0;
        }
        assertThat(server.billedTotal())
                .as("no model call before the partitions exist")
                .isZero();

        ImagegenProcess last = child();
        assertThat(last.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue())
                .as("after kills at %s:\n%s", moments, imagegen().output())
                .isZero();
        assertThat(partitionWithoutContext)
                .as("a kill left a partition without what it covers")
                .isTrue();
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(PROMPTS);
        assertThat(server.billedGenerations())
                .hasSize(PROMPTS)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    @Test
    void killedBetweenCreatingTheRunAndItsFirstExecutionTheRunRestarts() throws Exception {
        writeJob();
        server.behaviour(server::success);
        // What a kill between Spring Batch's two inserts leaves: the run's job instance without any execution.
        System.setProperty("IMAGEGEN_DB_URL", db.url());
        System.setProperty("IMAGEGEN_DB_USER", db.user());
        System.setProperty("IMAGEGEN_DB_PASSWORD", db.password());
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            ctx.getBean(JobRepository.class)
                    .createJobInstance(
                            dev.imagegen.catalog.Runs.JOB_NAME,
                            new JobParametersBuilder()
                                    .addString("dataset", "anytime")
                                    .addString("run.id", "r1")
                                    .toJobParameters());
        }

        ImagegenProcess p = child();
        assertThat(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(imagegen().output()).isZero();
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(PROMPTS);
        assertThat(server.billedGenerations())
                .hasSize(PROMPTS)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }
}
