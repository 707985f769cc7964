package dev.imagegen.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/** The local partition handler starts each partition as soon as it is recorded, and ends only after all of them. */
class LocalPartitionHandlerTest {

    private final ThreadPoolTaskExecutor threads = threads();
    private final JobExecution job = new JobExecution(1L, new JobInstance(1L, "imagegen"), new JobParameters());
    private final StepExecution manager = new StepExecution(1L, GeneratePartitions.MANAGER_STEP, job);

    @AfterEach
    void stop() {
        threads.shutdown();
    }

    @Test
    void aPartitionRunsWhileTheRestAreStillBeingRecorded() throws Exception {
        CountDownLatch firstRan = new CountDownLatch(1);
        LocalPartitionHandler handler = new LocalPartitionHandler(partition -> firstRan.countDown(), threads, 4);

        // The splitter records its second partition only once the first has run: a handler that starts partitions
        // after the whole split would never see it run.
        var executions = handler.handle(
                splitter(start -> {
                    start.accept(partition(2));
                    if (!firstRan.await(30, TimeUnit.SECONDS)) {
                        throw new JobExecutionException("the first partition did not run before the split ended");
                    }
                    start.accept(partition(3));
                }),
                manager);

        assertThat(executions).extracting(StepExecution::getId).containsExactly(2L, 3L);
    }

    @Test
    void aFailedSplitFailsTheStepOnlyOnceThePartitionsItStartedHaveEnded() {
        CountDownLatch splitFailed = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        LocalPartitionHandler handler = new LocalPartitionHandler(
                partition -> {
                    try {
                        splitFailed.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ended.set(true);
                },
                threads,
                4);

        assertThatThrownBy(() -> handler.handle(
                        splitter(start -> {
                            start.accept(partition(2));
                            splitFailed.countDown();
                            throw new JobExecutionException("the database went away");
                        }),
                        manager))
                .hasMessage("the database went away");
        assertThat(ended).isTrue();
    }

    private StepExecution partition(long id) {
        return new StepExecution(id, GeneratePartitions.STEP + ":p00" + id, job);
    }

    private interface Split {
        void split(Consumer<StepExecution> start) throws Exception;
    }

    private static LocalPartitionHandler.StreamingSplitter splitter(Split split) {
        return new LocalPartitionHandler.StreamingSplitter() {
            @Override
            public void split(StepExecution manager, int gridSize, Consumer<StepExecution> start)
                    throws JobExecutionException {
                try {
                    split.split(start);
                } catch (JobExecutionException e) {
                    throw e;
                } catch (Exception e) {
                    throw new JobExecutionException(e.getMessage(), e);
                }
            }

            @Override
            public String getStepName() {
                return GeneratePartitions.STEP;
            }

            @Override
            public Set<StepExecution> split(StepExecution manager, int gridSize) {
                throw new UnsupportedOperationException("the handler asks for partitions one by one");
            }
        };
    }

    private static ThreadPoolTaskExecutor threads() {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(2);
        executor.setMaxPoolSize(2);
        executor.initialize();
        return executor;
    }
}
