package dev.imagegen.remote;

import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.integration.partition.RemotePartitioningManagerStepBuilder;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code generate} step of a remote run: Spring Batch's remote partitioning manager. It splits the pending
 * prompts exactly as a local run does (same partitions, same names, so a restart may switch modes), sends one
 * {@code StepExecutionRequest} per partition through the {@link PartitionQueue}, and polls the job repository every
 * {@code run.poll-interval} until every partition has ended. {@link WorkerWatch} runs beside it.
 */
public final class RemoteManagerStep {

    private RemoteManagerStep() {}

    public static Step build(
            String name,
            String partitionStepName,
            Partitioner partitioner,
            JobSpec spec,
            JobRepository jobRepository,
            PartitionQueue queue,
            JdbcTemplate jdbc,
            RunGuard guard,
            StepExecutionListener... listeners) {
        RemotePartitioningManagerStepBuilder builder = new RemotePartitioningManagerStepBuilder(name, jobRepository)
                .partitioner(partitionStepName, partitioner)
                .splitter(GeneratePartitions.splitter(jobRepository, partitioner))
                .gridSize(spec.run().partitions())
                .outputChannel(queue.channel())
                .pollInterval(spec.run().pollInterval().toMillis());
        for (StepExecutionListener l : listeners) {
            builder.listener(l);
        }
        return builder.listener(new WorkerWatch(
                        jdbc, jobRepository, queue, guard, spec.run().pollInterval()))
                .build();
    }
}
