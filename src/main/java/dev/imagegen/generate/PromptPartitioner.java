package dev.imagegen.generate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Splits a dataset's pending prompts into {@code gridSize} even shares by hash bucket: partition {@code i} of
 * {@code n} takes the prompts whose {@code bucket % n == i}. Names are stable, so a restart reruns only the
 * partitions that did not complete (with the partition count of the first execution).
 */
final class PromptPartitioner implements Partitioner {

    static final String INDEX = "partition.index";
    static final String COUNT = "partition.count";

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        for (int i = 0; i < gridSize; i++) {
            ExecutionContext context = new ExecutionContext();
            context.putInt(INDEX, i);
            context.putInt(COUNT, gridSize);
            partitions.put(String.format("p%03d", i), context);
        }
        return partitions;
    }
}
