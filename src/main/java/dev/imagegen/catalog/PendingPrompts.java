package dev.imagegen.catalog;

import dev.imagegen.source.StagedSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The prompts a run still has to send: the one definition of "pending" that the generate step's partition reader,
 * its counts (the progress total, the partitions' shares) and the batch provider's submit step all read. A prompt is
 * pending when it was staged by the run and lacks a variant for its current request hash, unless it failed for good
 * earlier in the same run (a restart does not pay for a refusal twice; transient failures are tried again); a
 * {@code rerun-failed} run ({@link RerunSelection}) takes only prompts whose last attempt failed.
 *
 * <p>{@link #from()} is a FROM item named {@code pending} with the columns {@link #COLUMNS} and {@code bucket};
 * {@code done} lists the variants a prompt has already, and {@link #WHERE} keeps the prompts that miss one. Partition
 * {@code index} of {@code count} takes the prompts whose {@code bucket % count == index} (a {@code mod} no index can
 * serve: each partition's page query scans the run's prompts).
 */
public final class PendingPrompts {

    /** The columns of a pending prompt. */
    public static final String COLUMNS = "prompt_id, rendered_prompt, request_hash, reference_images, done";
    /** The condition on {@link #from()} that keeps the prompts that still miss a variant. */
    public static final String WHERE = "cardinality(done) < :variants";

    /**
     * The failure kinds a restart of the same run tries again; a prompt that failed otherwise in the run stays out of
     * it (e.g. {@code imagegen plan}'s census counts it as skipped by the same rule).
     */
    public static final String RETRIED_KINDS = "('transient', 'rate_limited')";

    private static final String FROM = """
            (SELECT p.prompt_id, p.rendered_prompt, p.request_hash, p.reference_images, p.bucket,
                    ARRAY(SELECT g.variant FROM generated_image g
                           WHERE g.dataset = p.dataset AND g.prompt_id = p.prompt_id
                             AND g.request_hash = p.request_hash) AS done
               FROM prompt p
              WHERE p.dataset = :dataset AND p.staged_instance_id = """ + StagedSet.STAGED_INSTANCE + """
                AND mod(p.bucket, :count) = :index
                AND NOT EXISTS (SELECT 1 FROM prompt_failure f
                                 WHERE f.dataset = p.dataset AND f.prompt_id = p.prompt_id
                                   AND f.job_instance_id = :instance AND f.resolved_at IS NULL
                                   AND f.kind NOT IN /*retried*/)
                /*only-failed*/) pending""".replace("/*retried*/", RETRIED_KINDS);

    private final String from;
    private final Map<String, Object> params;

    private PendingPrompts(String dataset, long instance, int variants, int index, int count, String rerunKinds) {
        this.params = new HashMap<>(
                Map.of("dataset", dataset, "instance", instance, "count", count, "index", index, "variants", variants));
        this.from = FROM.replace("/*only-failed*/", onlyFailed(rerunKinds, params));
    }

    /**
     * The pending prompts of a run, every bucket.
     *
     * @param instance the run's job instance
     * @param variants images per prompt
     * @param rerunKinds the {@link RerunSelection#PARAMETER} job parameter, or null
     */
    public static PendingPrompts of(String dataset, long instance, int variants, String rerunKinds) {
        // mod(bucket, 1) = 0 holds for every prompt.
        return new PendingPrompts(dataset, instance, variants, 0, 1, rerunKinds);
    }

    /** The pending prompts of partition {@code index} of {@code count}. */
    public static PendingPrompts ofPartition(
            String dataset, long instance, int variants, int index, int count, String rerunKinds) {
        return new PendingPrompts(dataset, instance, variants, index, count, rerunKinds);
    }

    /** rerun-failed: only prompts whose last attempt failed, optionally of some kinds. */
    private static String onlyFailed(String rerunKinds, Map<String, Object> params) {
        if (rerunKinds == null) {
            return "";
        }
        String kinds = "";
        if (!rerunKinds.equals(RerunSelection.ALL_KINDS)) {
            params.put("kinds", List.of(rerunKinds.split(",")));
            kinds = " AND r.kind IN (:kinds)";
        }
        return "AND EXISTS (SELECT 1 FROM prompt_failure r WHERE r.dataset = p.dataset"
                + " AND r.prompt_id = p.prompt_id AND r.resolved_at IS NULL" + kinds + ")";
    }

    /** The FROM item {@code (...) pending}. */
    public String from() {
        return from;
    }

    /** The query's named parameters: a copy, to which a caller may add its own (e.g. a page's lower bound). */
    public Map<String, Object> params() {
        return new HashMap<>(params);
    }

    /** How many images the pending prompts miss, by hash bucket (at most 65,536 rows; buckets without any absent). */
    public Map<Integer, Long> imagesByBucket(NamedParameterJdbcTemplate jdbc) {
        Map<Integer, Long> buckets = new HashMap<>();
        jdbc.query(
                "SELECT bucket, sum(:variants - cardinality(done)) AS n FROM " + from + " WHERE " + WHERE
                        + " GROUP BY bucket",
                params,
                rs -> {
                    buckets.put(rs.getInt("bucket"), rs.getLong("n"));
                });
        return buckets;
    }
}
