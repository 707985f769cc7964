package dev.imagegen.generate;

/** Names of the generate step's partitions, as remote workers know them. */
public final class GeneratePartitions {

    /** The partitions' step: what a remote worker is asked to run ({@code generate-partition:p007} executions). */
    public static final String STEP = "generate-partition";
    /** true in a worker's per-run context, which holds only the partition step and what it needs. */
    public static final String ONLY_PROPERTY = "imagegen.partitions-only";
    /**
     * Marks why a partition did not complete in its exit description (after Spring Batch's own text, e.g. a stack
     * trace), where a remote run's manager finds it.
     */
    public static final String REASON = "imagegen: ";

    private GeneratePartitions() {
    }
}
