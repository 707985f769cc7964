package dev.imagegen.generate;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.JobScoped;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.store.ImageStore;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The {@code generate} step: a partition manager that splits the pending prompts into {@code run.partitions} shares
 * and runs them on {@code run.concurrency} threads; each partition is the chunk step of
 * {@link PartitionStepConfiguration}. Several small partitions per thread keep every thread busy until the work runs
 * out: a thread whose share is done takes the next one instead of idling while a large share finishes.
 *
 * <p>It also publishes what any manager of the step needs, local or remote: the {@link Partitioner} and the
 * {@link GenerateStepListener}. A remote run ({@code run.workers: remote}) replaces the local step with the remote
 * partitioning manager of {@code dev.imagegen.remote.ManagerConfiguration}.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
class GenerateStepConfiguration {

    @Bean
    @ConditionalOnProperty(name = ImagegenApplication.REMOTE_PROPERTY, havingValue = "false", matchIfMissing = true)
    Step generateStep(
            JobRepository jobRepository,
            Step generatePartitionStep,
            Partitioner generatePartitioner,
            GenerateStepListener generateStepListener,
            PendingShares pendingShares,
            JobSpec spec) {
        return new StepBuilder(GeneratePartitions.MANAGER_STEP, jobRepository)
                .listener(generateStepListener)
                .partitioner(GeneratePartitions.STEP, generatePartitioner)
                .splitter(new LocalPartitionSplitter(jobRepository, generatePartitioner, pendingShares))
                .partitionHandler(new LocalPartitionHandler(
                        generatePartitionStep,
                        partitionExecutor(spec.run().concurrency()),
                        spec.run().partitions()))
                .build();
    }

    private static ThreadPoolTaskExecutor partitionExecutor(int threads) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(threads);
        executor.setMaxPoolSize(threads);
        executor.setThreadNamePrefix("generate-");
        executor.setDaemon(true);
        executor.initialize();
        return executor;
    }

    /** The partitions of the generate step, local or remote: by hash bucket, see {@link PromptPartitioner}. */
    @Bean
    Partitioner generatePartitioner() {
        return new PromptPartitioner();
    }

    /** The run's pending images by bucket: counted once, for the progress total and for the split. */
    @Bean
    PendingShares pendingShares(JdbcTemplate jdbc, JobSpec spec) {
        return new PendingShares(jdbc, spec);
    }

    @Bean
    GenerateStepListener generateStepListener(
            ImageStore store, PendingShares pendingShares, JobSpec spec, RunGuard guard) {
        return new GenerateStepListener(store, new PendingWorkCounter(pendingShares, spec, guard));
    }
}
