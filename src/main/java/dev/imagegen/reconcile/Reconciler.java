package dev.imagegen.reconcile;

import dev.imagegen.catalog.Runs;
import dev.imagegen.model.CallGate;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.ProviderPause;
import dev.imagegen.spec.JobSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code imagegen reconcile}: replaces the estimated costs of the ledger ({@code model_call} rows whose cost basis
 * is {@code estimated} or {@code possibly_billed}) by what OpenRouter says it billed for their generation. One GET per
 * row, paced by {@code run.requests-per-minute} and by the provider's 429s; each row is settled in its own short
 * transaction (its cost, {@code cost_basis = 'known'}, {@code reconciled_at}, and the per-image share of
 * {@code generated_image.cost_usd}), so an interrupted reconcile resumes where it stopped and a second one finds
 * nothing left to do. Rows without a generation id (the answer never arrived) cannot be looked up: they are reported
 * and stay estimated.
 */
public final class Reconciler {

    /** Lookups of one row per invocation that may answer 404 (the record is written a moment after the call). */
    static final int NOT_FOUND_TRIES = 3;
    /** Lookups of one row per invocation that may fail (5xx, no answer) or be throttled before it is left. */
    static final int FAILURE_TRIES = 3;

    static final int THROTTLE_TRIES = 10;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final JobSpec spec;
    private final GenerationLookup lookup;
    private final CallGate gate;
    private final Duration notFoundDelay;

    Reconciler(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            JobSpec spec,
            GenerationLookup lookup,
            Duration notFoundDelay) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactionManager);
        this.spec = spec;
        this.lookup = lookup;
        // One lookup at a time, at most run.requests-per-minute, and every 429's Retry-After waited out.
        this.gate = new CallGate(new ProviderPause(), spec.run().requestsPerMinute(), 1);
        this.notFoundDelay = notFoundDelay;
    }

    /** For the job file's provider (OpenRouter); a 404 is asked again after 2 s, then 4 s. */
    public static Reconciler standard(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, JobSpec spec) {
        return new Reconciler(
                jdbc,
                transactionManager,
                spec,
                new GenerationLookup(ModelHttp.newClient(), JsonMapper.builder().build(), spec.model()),
                Duration.ofSeconds(2));
    }

    private record Row(long id, String generationId, BigDecimal cost, long instance) {}

    /** A row waiting for its next lookup, and how its earlier ones went. */
    private static final class Pending {
        final Row row;
        int notFound;
        int failed;
        int throttled;
        long notBeforeNanos;

        Pending(Row row) {
            this.row = row;
        }
    }

    /**
     * Settles what can be settled now.
     *
     * @param instance one run's job instance, or null for every run of the dataset
     */
    public ReconcileResult reconcile(Long instance) {
        ReconcileResult result = new ReconcileResult(spec.dataset());
        List<Row> rows = jdbc.query(
                """
                SELECT id, generation_id, cost_usd, job_instance_id FROM model_call
                 WHERE dataset = ? AND cost_basis IN ('estimated', 'possibly_billed') AND reconciled_at IS NULL
                   AND generation_id IS NOT NULL AND (?::bigint IS NULL OR job_instance_id = ?)
                 ORDER BY id""",
                (rs, n) -> new Row(rs.getLong(1), rs.getString(2), rs.getBigDecimal(3), rs.getLong(4)),
                spec.dataset(),
                instance,
                instance);
        jdbc.query(
                """
                SELECT job_instance_id, count(*), coalesce(sum(cost_usd), 0) FROM model_call
                 WHERE dataset = ? AND cost_basis IN ('estimated', 'possibly_billed') AND reconciled_at IS NULL
                   AND generation_id IS NULL AND (?::bigint IS NULL OR job_instance_id = ?)
                 GROUP BY job_instance_id""",
                rs -> {
                    result.unreconcilable(rs.getLong(1), rs.getLong(2), rs.getBigDecimal(3));
                },
                spec.dataset(),
                instance,
                instance);
        Deque<Pending> queue = new ArrayDeque<>();
        for (Row row : rows) {
            queue.add(new Pending(row));
            result.found(row.instance());
        }
        try {
            while (!queue.isEmpty()) {
                Pending p = queue.poll();
                long wait = p.notBeforeNanos - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Math.max(1, wait / 1_000_000));
                }
                gate.acquire();
                GenerationLookup.Answer answer = null;
                try {
                    answer = lookup.lookup(p.row.generationId());
                } finally {
                    gate.release(answer instanceof GenerationLookup.Throttled);
                }
                if (answer instanceof GenerationLookup.Billed b) {
                    settle(p.row, b.costUsd(), result);
                } else if (answer instanceof GenerationLookup.NotYet) {
                    if (++p.notFound < NOT_FOUND_TRIES) {
                        later(queue, p, notFoundDelay.multipliedBy(p.notFound));
                    } else {
                        result.left(
                                p.row.instance(),
                                "not yet available at OpenRouter (GET /generation answered " + "404)");
                    }
                } else if (answer instanceof GenerationLookup.Throttled t) {
                    gate.pauseFor(t.retryAfter());
                    result.throttled();
                    if (++p.throttled < THROTTLE_TRIES) {
                        queue.addFirst(p);
                    } else {
                        result.left(p.row.instance(), "OpenRouter kept answering 429");
                    }
                } else if (answer instanceof GenerationLookup.Refused r) {
                    result.refused("GET /generation answered HTTP " + r.status() + ": " + r.message());
                    leaveAll(queue, p, result, "not looked up: the key was refused");
                    return result;
                } else if (answer instanceof GenerationLookup.Failed f) {
                    if (++p.failed < FAILURE_TRIES) {
                        later(queue, p, notFoundDelay.multipliedBy(p.failed));
                    } else {
                        result.left(p.row.instance(), f.message());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.interrupted();
            queue.forEach(q -> result.left(q.row.instance(), "interrupted"));
        }
        return result;
    }

    private static void later(Deque<Pending> queue, Pending p, Duration delay) {
        p.notBeforeNanos = System.nanoTime() + delay.toNanos();
        queue.addLast(p);
    }

    private static void leaveAll(Deque<Pending> queue, Pending current, ReconcileResult result, String why) {
        result.left(current.row.instance(), why);
        queue.forEach(q -> result.left(q.row.instance(), why));
    }

    /** The row's cost as billed, its images' shares, in one transaction; a row settled meanwhile is left alone. */
    private void settle(Row row, BigDecimal billed, ReconcileResult result) {
        Boolean done = transaction.execute(status -> {
            int n = jdbc.update("""
                    UPDATE model_call SET cost_usd = ?, cost_basis = 'known', reconciled_at = now()
                     WHERE id = ? AND reconciled_at IS NULL AND cost_basis IN ('estimated', 'possibly_billed')""", billed, row.id());
            if (n == 1) {
                // The images of one call share its generation id; each carries its share of the call's cost.
                jdbc.update("""
                        UPDATE generated_image SET cost_usd = ?::numeric / greatest(call_images, 1),
                               cost_estimated = false
                         WHERE dataset = ? AND generation_id = ?""", billed, spec.dataset(), row.generationId());
            }
            return n == 1;
        });
        if (Boolean.TRUE.equals(done)) {
            result.settled(row.instance(), row.cost(), billed);
        }
    }

    /** The run ids of job instances, for the result's table. */
    public Map<Long, String> runIds(java.util.Collection<Long> instances) {
        return new Runs(jdbc).runIds(instances);
    }
}
