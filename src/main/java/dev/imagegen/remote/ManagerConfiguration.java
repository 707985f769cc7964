package dev.imagegen.remote;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.JobScoped;
import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.generate.GenerateStepListener;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.integration.partition.RemotePartitioningManagerStepBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code generate} step of a remote run ({@code run.workers: remote}), in place of the local one: Spring Batch's
 * remote partitioning manager. It splits the pending prompts exactly as a local run does (the same partitioner and
 * splitter, so the same partitions and names, and a restart may switch modes), sends one
 * {@code StepExecutionRequest} per partition through the {@link PartitionQueue}, and polls the job repository every
 * {@code run.poll-interval} until every partition has ended. {@link WorkerWatch} runs beside it.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = ImagegenApplication.REMOTE_PROPERTY, havingValue = "true")
class ManagerConfiguration {

    @Bean
    Step generateStep(
            JobRepository jobRepository,
            Partitioner generatePartitioner,
            GenerateStepListener generateStepListener,
            JobSpec spec,
            PartitionQueue queue,
            JdbcTemplate jdbc,
            RunGuard guard) {
        return new RemotePartitioningManagerStepBuilder(GeneratePartitions.MANAGER_STEP, jobRepository)
                .partitioner(GeneratePartitions.STEP, generatePartitioner)
                .splitter(GeneratePartitions.splitter(jobRepository, generatePartitioner))
                .gridSize(spec.run().partitions())
                .outputChannel(queue.channel())
                .pollInterval(spec.run().pollInterval().toMillis())
                .listener(generateStepListener)
                .listener(new WorkerWatch(
                        jdbc, jobRepository, queue, guard, spec.run().pollInterval()))
                .build();
    }
}
