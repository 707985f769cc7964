package dev.imagegen.generate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.StepHolder;
import org.springframework.core.task.TaskExecutor;

/**
 * Runs a local run's partitions on the step's threads, each as soon as {@link LocalPartitionSplitter} has recorded it
 * rather than after all of them are (Spring Batch's handler splits first, then runs): the first calls go out while
 * the rest of the partitions are still being recorded. It returns, or fails, only once every partition it started
 * has ended, so that the step never ends with a partition still running.
 */
final class LocalPartitionHandler implements PartitionHandler, StepHolder {

    private final Step step;
    private final TaskExecutor executor;
    private final int gridSize;

    LocalPartitionHandler(Step step, TaskExecutor executor, int gridSize) {
        this.step = step;
        this.executor = executor;
        this.gridSize = gridSize;
    }

    @Override
    public Step getStep() {
        return step;
    }

    @Override
    public Collection<StepExecution> handle(StepExecutionSplitter splitter, StepExecution manager) throws Exception {
        List<FutureTask<StepExecution>> started = new ArrayList<>();
        Exception splitFailure = null;
        try {
            if (splitter instanceof StreamingSplitter local) {
                local.split(manager, gridSize, partition -> started.add(start(partition)));
            } else {
                splitter.split(manager, gridSize).forEach(partition -> started.add(start(partition)));
            }
        } catch (Exception e) {
            splitFailure = e;
        }
        List<StepExecution> ended = new ArrayList<>(started.size());
        for (FutureTask<StepExecution> partition : started) {
            try {
                ended.add(partition.get());
            } catch (ExecutionException e) {
                if (splitFailure == null && e.getCause() instanceof Exception cause) {
                    splitFailure = cause;
                }
            }
        }
        if (splitFailure != null) {
            throw splitFailure;
        }
        return ended;
    }

    /** A splitter that hands out each partition as soon as it has recorded it. */
    interface StreamingSplitter extends StepExecutionSplitter {
        void split(StepExecution manager, int gridSize, Consumer<StepExecution> start) throws JobExecutionException;
    }

    private FutureTask<StepExecution> start(StepExecution partition) {
        FutureTask<StepExecution> task = new FutureTask<>(() -> {
            step.execute(partition);
            return partition;
        });
        executor.execute(task);
        return task;
    }
}
