package dev.imagegen.remote;

import dev.imagegen.generate.GeneratePartitions;
import java.time.LocalDateTime;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;

/**
 * The step a worker's {@code StepExecutionRequestHandler} runs for {@code generate-partition}: the partition step of
 * the run the partition belongs to, from that run's context ({@link PartitionContexts}). If the run's job file
 * cannot be used here, the partition fails with the reason, so the manager does not wait for it.
 */
final class RunPartitionStep implements Step {

    private static final Logger log = LoggerFactory.getLogger(RunPartitionStep.class);

    private final PartitionContexts runs;
    private final JobRepository jobRepository;
    private final Supplier<String> workerId;

    RunPartitionStep(PartitionContexts runs, JobRepository jobRepository, Supplier<String> workerId) {
        this.runs = runs;
        this.jobRepository = jobRepository;
        this.workerId = workerId;
    }

    @Override
    public String getName() {
        return GeneratePartitions.STEP;
    }

    @Override
    public void execute(StepExecution partition) throws JobInterruptedException {
        BatchStatus job = partition.getJobExecution().getStatus();
        if (partition.getStatus() != BatchStatus.STARTING
                || !(job == BatchStatus.STARTED || job == BatchStatus.STARTING || job == BatchStatus.STOPPING)) {
            // Recovered meanwhile (its manager died and a restart marked it failed): not ours to run any more.
            log.info(
                    "not running {} of execution {}: the partition is {} and the run {}",
                    partition.getStepName(),
                    partition.getJobExecutionId(),
                    partition.getStatus(),
                    job);
            return;
        }
        PartitionContexts.Run run;
        try {
            run = runs.acquire(partition.getJobExecution());
        } catch (RuntimeException e) {
            fail(partition, e);
            return;
        }
        try {
            run.step().execute(partition);
        } finally {
            runs.release(run);
        }
    }

    private void fail(StepExecution partition, RuntimeException e) {
        String why = "worker " + workerId.get() + " cannot run " + partition.getStepName() + ": " + e.getMessage();
        log.error(why);
        LocalDateTime now = LocalDateTime.now();
        if (partition.getStartTime() == null) {
            partition.setStartTime(now);
        }
        partition.setStatus(BatchStatus.FAILED);
        partition.setExitStatus(ExitStatus.FAILED.addExitDescription(GeneratePartitions.REASON + why));
        partition.setEndTime(now);
        jobRepository.update(partition);
    }
}
