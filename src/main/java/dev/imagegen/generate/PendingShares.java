package dev.imagegen.generate;

import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.catalog.RerunSelection;
import dev.imagegen.spec.JobSpec;
import java.util.HashMap;
import java.util.Map;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * What the generate step's partitions will find to do, for {@link LocalPartitionSplitter}: the pending images of
 * each partition (one grouped query over the partitions' own pending query), so that the largest are handed out
 * first and the last ones to end are the smallest; and how many partitions a first execution makes. The manager
 * step's figures are read once: its listener counts them before the step starts ({@link PendingWorkCounter}) and the
 * split takes the same pass (nothing is made in between; the run holds the dataset's lock).
 */
final class PendingShares {

    private final NamedParameterJdbcTemplate jdbc;
    private final JobSpec spec;

    /** The last manager step's figures, by its id. */
    private volatile Counted last;

    private record Counted(long managerId, Map<Integer, Long> byBucket) {}

    PendingShares(JdbcTemplate jdbc, JobSpec spec) {
        this.jdbc = new NamedParameterJdbcTemplate(jdbc);
        this.spec = spec;
    }

    /** The pending images of all buckets. */
    static long total(Map<Integer, Long> byBucket) {
        return byBucket.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The partition count of a first execution: {@code run.partitions} at most, and about two pending images per
     * partition (a partition costs job-repository rows and commits whether or not it finds work, while handing the
     * largest out first keeps the tail short with small ones), but at least one per call in flight — and only one
     * when nothing is pending (a nightly run over a finished dataset; the split then records no partition at all).
     */
    int gridSize(Map<Integer, Long> byBucket, int ceiling) {
        long pending = total(byBucket);
        if (pending == 0) {
            return 1;
        }
        return (int) Math.max(1, Math.min(ceiling, Math.max(spec.run().concurrency(), (pending + 1) / 2)));
    }

    /** Pending images of each partition index, for {@code grid} partitions (indexes without any are absent). */
    static Map<Integer, Long> byIndex(Map<Integer, Long> byBucket, int grid) {
        Map<Integer, Long> shares = new HashMap<>();
        byBucket.forEach((bucket, n) -> shares.merge(Math.floorMod(bucket, grid), n, Long::sum));
        return shares;
    }

    /**
     * Pending images by hash bucket (at most 65,536 rows): one pass of the run's pending query
     * ({@link PendingPrompts}), from which both the partition count and each partition's share follow.
     */
    Map<Integer, Long> byBucket(StepExecution manager) {
        Counted counted = last;
        if (counted != null && counted.managerId() == manager.getId()) {
            return counted.byBucket();
        }
        Map<Integer, Long> byBucket = PendingPrompts.of(
                        spec.dataset(),
                        manager.getJobExecution().getJobInstance().getId(),
                        spec.model().imagesPerPrompt(),
                        manager.getJobExecution().getJobParameters().getString(RerunSelection.PARAMETER))
                .imagesByBucket(jdbc);
        Counted fresh = new Counted(manager.getId(), Map.copyOf(byBucket));
        last = fresh;
        return fresh.byBucket();
    }
}
