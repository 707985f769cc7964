package dev.imagegen.generate;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.partition.support.SimpleStepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** Names of the generate step's partitions, as remote workers know them, and how they are made. */
public final class GeneratePartitions {

    /** The partitions' step: what a remote worker is asked to run ({@code generate-partition:p007} executions). */
    public static final String STEP = "generate-partition";
    /** The partitioned step itself, the manager of the partitions, whether they run locally or on workers. */
    public static final String MANAGER_STEP = "generate";
    /**
     * Marks why a partition did not complete in its exit description (after Spring Batch's own text, e.g. a stack
     * trace), where a remote run's manager finds it.
     */
    public static final String REASON = "imagegen: ";
    /** The job execution's context key of the run's partition count (see {@link LocalPartitionSplitter}). */
    static final String PARTITIONS_KEY = "imagegen.partitions";
    /** Where Spring Batch's splitter keeps the grid size of a partitioned step (so a restart keeps it). */
    static final String GRID_SIZE = SimpleStepExecutionSplitter.class.getSimpleName() + ".GRID_SIZE";

    private GeneratePartitions() {}

    /**
     * Spring Batch's splitter, made safe against a kill at any moment. It creates each partition's row and only then
     * writes what the partition covers into it (two transactions), and a restart copies that context from the last
     * execution: a process killed in between left a partition without its share, and every restart failed on it.
     * Here a partition's share is derived again from its name and the step's grid size each time the step is split,
     * and written wherever it is missing or differs, before any partition runs.
     */
    public static StepExecutionSplitter splitter(JobRepository jobRepository, Partitioner partitioner) {
        SimpleStepExecutionSplitter spring = new SimpleStepExecutionSplitter(jobRepository, STEP, partitioner);
        return new StepExecutionSplitter() {
            @Override
            public String getStepName() {
                return spring.getStepName();
            }

            @Override
            public Set<StepExecution> split(StepExecution manager, int gridSize) throws JobExecutionException {
                Set<StepExecution> partitions = spring.split(manager, gridSize);
                int grid = (int) manager.getExecutionContext().getLong(GRID_SIZE, gridSize);
                Map<String, ExecutionContext> covers = partitioner.partition(grid);
                for (StepExecution partition : partitions) {
                    String name = partition.getStepName().substring(STEP.length() + 1);
                    ExecutionContext share = covers.get(name);
                    ExecutionContext context = partition.getExecutionContext();
                    if (share != null
                            && share.entrySet().stream()
                                    .anyMatch(e -> !Objects.equals(context.get(e.getKey()), e.getValue()))) {
                        share.entrySet().forEach(e -> context.put(e.getKey(), e.getValue()));
                        jobRepository.updateExecutionContext(partition);
                    }
                }
                return partitions;
            }
        };
    }
}
