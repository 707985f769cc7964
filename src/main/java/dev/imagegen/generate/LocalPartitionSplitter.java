package dev.imagegen.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The splitter of a local run, which knows its pending work ({@link PendingShares}): a first execution makes no more
 * partitions than about half its pending images (see {@link PendingShares#gridSize}); they are recorded and handed
 * out largest first, so that the run ends on small ones instead of a thread still busy with a large one while the
 * others idle; and {@link LocalPartitionHandler} starts each as soon as it is recorded, so that the threads are not
 * idle while the rest are recorded (each costs job-repository writes: 500 partitions took seconds).
 *
 * <p>Names, shares and restart rules are those of Spring Batch's own splitter, which the remote manager uses
 * ({@link GeneratePartitions#splitter}), so that a restart may switch modes: a partition that completed in an earlier
 * execution is not run again, one that failed or stopped is, with its last context; and a partition's share is
 * derived again from its name and the run's partition count every time (a kill between a partition's row and its
 * context cannot leave it without a share).
 */
final class LocalPartitionSplitter implements LocalPartitionHandler.StreamingSplitter {

    private final JobRepository jobRepository;
    private final Partitioner partitioner;
    private final PendingShares shares;

    LocalPartitionSplitter(JobRepository jobRepository, Partitioner partitioner, PendingShares shares) {
        this.jobRepository = jobRepository;
        this.partitioner = partitioner;
        this.shares = shares;
    }

    @Override
    public String getStepName() {
        return GeneratePartitions.STEP;
    }

    @Override
    public Set<StepExecution> split(StepExecution manager, int gridSize) throws JobExecutionException {
        Set<StepExecution> partitions = new LinkedHashSet<>();
        split(manager, gridSize, partitions::add);
        return partitions;
    }

    /** Records the partitions to run, largest first, handing each to {@code start} as soon as it is recorded. */
    @Override
    public void split(StepExecution manager, int ceiling, Consumer<StepExecution> start) throws JobExecutionException {
        JobExecution job = manager.getJobExecution();
        JobInstance instance = job.getJobInstance();
        boolean restart = jobRepository.getJobExecutions(instance).size() > 1;
        Map<Integer, Long> byBucket = shares.byBucket(manager);
        int grid = gridSize(manager, ceiling, byBucket, restart);
        if (PendingShares.total(byBucket) == 0) {
            // Nothing pending (a nightly run over a finished dataset): no partition to record, none to run a query.
            return;
        }
        Map<Integer, Long> pending = PendingShares.byIndex(byBucket, grid);
        List<Map.Entry<String, ExecutionContext>> covers =
                new ArrayList<>(partitioner.partition(grid).entrySet());
        covers.sort(Comparator.comparingLong((Map.Entry<String, ExecutionContext> c) ->
                        -pending.getOrDefault(c.getValue().getInt(PromptPartitioner.INDEX, -1), 0L))
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, ExecutionContext> cover : covers) {
            String name = GeneratePartitions.STEP + ":" + cover.getKey();
            // A first execution has no earlier partitions to look up (a query per partition saved).
            StepExecution last = restart ? jobRepository.getLastStepExecution(instance, name) : null;
            if (last != null && !runsAgain(last, manager)) {
                continue;
            }
            ExecutionContext context =
                    last == null ? new ExecutionContext() : new ExecutionContext(last.getExecutionContext());
            cover.getValue().entrySet().forEach(e -> context.put(e.getKey(), e.getValue()));
            StepExecution partition = jobRepository.createStepExecution(name, job);
            partition.setExecutionContext(context);
            jobRepository.updateExecutionContext(partition);
            start.accept(partition);
        }
    }

    /**
     * A run keeps the partition count of its first split in every execution (a partition's share depends on it, and
     * a completed partition is not run again). It lives in the job execution's context, which Spring Batch copies
     * into each restart as soon as it creates it; the manager step's own copy (where Spring Batch's splitter keeps
     * it, and a remote manager looks for it) is not written again by a restart, so after a second kill it is gone.
     */
    private int gridSize(StepExecution manager, int ceiling, Map<Integer, Long> byBucket, boolean restart) {
        ExecutionContext job = manager.getJobExecution().getExecutionContext();
        ExecutionContext step = manager.getExecutionContext();
        int grid;
        if (job.containsKey(GeneratePartitions.PARTITIONS_KEY)) {
            grid = job.getInt(GeneratePartitions.PARTITIONS_KEY);
        } else if (step.containsKey(GeneratePartitions.GRID_SIZE)) {
            grid = (int) step.getLong(GeneratePartitions.GRID_SIZE);
        } else if (!restart) {
            grid = shares.gridSize(byBucket, ceiling);
        } else {
            grid = ceiling; // a run begun by a version that always split into run.partitions
        }
        if (!job.containsKey(GeneratePartitions.PARTITIONS_KEY)) {
            job.putInt(GeneratePartitions.PARTITIONS_KEY, grid);
            jobRepository.updateExecutionContext(manager.getJobExecution());
        }
        if (!step.containsKey(GeneratePartitions.GRID_SIZE)) {
            step.putLong(GeneratePartitions.GRID_SIZE, grid);
            jobRepository.updateExecutionContext(manager);
        }
        return grid;
    }

    /** Spring Batch's restart rules for a partition's last execution (in another job execution, or this one). */
    private static boolean runsAgain(StepExecution last, StepExecution manager) throws JobExecutionException {
        BatchStatus status = last.getStatus();
        if (status == BatchStatus.COMPLETED) {
            return last.getJobExecutionId() == manager.getJobExecutionId();
        }
        if (status == BatchStatus.FAILED || status == BatchStatus.STOPPED) {
            return true;
        }
        throw new JobExecutionException("Cannot restart partition " + last.getStepName() + " from " + status
                + " status: its last execution may still be running, or ended with a failure that could not be"
                + " rolled back");
    }
}
