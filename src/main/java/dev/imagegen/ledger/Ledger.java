package dev.imagegen.ledger;

import dev.imagegen.db.DbText;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The money ledger, {@code model_call}: one row per HTTP attempt that may have cost money, written in the same
 * transaction as the chunk's image and failure rows (so a kill never leaves a paid image without its row, nor a
 * row without its image). Every figure of money a user sees — the summary, {@code status}, the report, the metrics,
 * the budget — is a sum over it ({@link #spend}).
 */
public final class Ledger {

    private Ledger() {}

    /** One attempt of a call about a prompt's variants ({@code variant}: the first it asked for). */
    public record Entry(String promptId, int variant, CallAttempt attempt) {}

    private static final String INSERT = """
            INSERT INTO model_call (dataset, prompt_id, variant, images_requested, images_stored, attempt, outcome,
                retried, http_status, cost_usd, cost_basis, generation_id, model, provider, latency_ms, prompt_tokens,
                completion_tokens, job_execution_id, job_instance_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /** Inserts the entries (inside the caller's transaction). */
    public static void insert(
            JdbcTemplate jdbc, String dataset, long executionId, long instanceId, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(INSERT, entries, entries.size(), (ps, e) -> {
            CallAttempt a = e.attempt();
            ps.setString(1, dataset);
            ps.setString(2, e.promptId());
            ps.setInt(3, e.variant());
            ps.setInt(4, Math.max(1, a.imagesRequested()));
            ps.setInt(5, a.imagesStored());
            ps.setInt(6, a.attempt());
            ps.setString(7, a.outcome());
            ps.setBoolean(8, a.retried());
            ps.setObject(9, a.httpStatus());
            ps.setBigDecimal(10, usd(a.costUsd()));
            ps.setString(11, a.basis().id());
            ps.setString(12, DbText.clean(a.generationId()));
            ps.setString(13, DbText.clean(a.model()));
            ps.setString(14, DbText.clean(a.provider()));
            ps.setLong(15, a.latencyMs());
            ps.setObject(16, a.promptTokens());
            ps.setObject(17, a.completionTokens());
            ps.setLong(18, executionId);
            ps.setLong(19, instanceId);
        });
    }

    /** Dollars as the ledger keeps them (8 decimals), so that sums are exact. */
    public static BigDecimal usd(double d) {
        return BigDecimal.valueOf(Double.isFinite(d) ? d : 0).setScale(8, java.math.RoundingMode.HALF_EVEN);
    }

    /**
     * Money and calls of an execution or a run: the total, split by how sure it is, the calls (first attempts),
     * retries (attempts after the first) and images stored (adopted ones included); what the calls that brought
     * images cost ({@code okUsd}, {@code okCalls}) and what adopted images carried ({@code adoptedUsd}). The one
     * definition of "the cost of an execution / of a run": summary, {@code status}, report, metrics.
     */
    public record Spend(
            BigDecimal totalUsd,
            BigDecimal knownUsd,
            BigDecimal estimatedUsd,
            BigDecimal possiblyBilledUsd,
            long attempts,
            long calls,
            long retries,
            long images,
            long possiblyBilledCalls,
            BigDecimal okUsd,
            BigDecimal adoptedUsd,
            long okCalls) {

        public static final Spend ZERO = new Spend(
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                0,
                0,
                0,
                0,
                0,
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                0);

        /** The part not stated by the provider: estimated and possibly billed. */
        public BigDecimal unsettledUsd() {
            return estimatedUsd.add(possiblyBilledUsd);
        }

        /** " (of which $x estimated, $y possibly billed)", or "" when every cost is the provider's own. */
        public String unsettledNote() {
            if (unsettledUsd().signum() == 0) {
                return "";
            }
            StringBuilder s = new StringBuilder(" (");
            if (estimatedUsd.signum() != 0) {
                s.append(String.format("$%.4f estimated", estimatedUsd));
            }
            if (possiblyBilledUsd.signum() != 0) {
                s.append(estimatedUsd.signum() != 0 ? ", " : "")
                        .append(String.format(
                                "$%.4f possibly billed: %d %s without an answer",
                                possiblyBilledUsd, possiblyBilledCalls, possiblyBilledCalls == 1 ? "call" : "calls"));
            }
            return s.append(')').toString();
        }
    }

    /** The spend of one job execution. */
    public static Spend ofExecution(JdbcTemplate jdbc, long executionId) {
        return spend(jdbc, "job_execution_id", executionId);
    }

    /** The spend of a run: every execution of its job instance. */
    public static Spend ofRun(JdbcTemplate jdbc, long instanceId) {
        return spend(jdbc, "job_instance_id", instanceId);
    }

    private static Spend spend(JdbcTemplate jdbc, String column, long id) {
        Map<String, Object> r = jdbc.queryForMap("""
                SELECT coalesce(sum(cost_usd), 0) AS total,
                       coalesce(sum(cost_usd) FILTER (WHERE cost_basis = 'known'), 0) AS known,
                       coalesce(sum(cost_usd) FILTER (WHERE cost_basis = 'estimated'), 0) AS estimated,
                       coalesce(sum(cost_usd) FILTER (WHERE cost_basis = 'possibly_billed'), 0) AS possibly,
                       count(*) FILTER (WHERE cost_basis = 'possibly_billed') AS possibly_calls,
                       count(*) FILTER (WHERE outcome <> 'adopted') AS attempts,
                       count(*) FILTER (WHERE attempt = 1 AND outcome <> 'adopted') AS calls,
                       count(*) FILTER (WHERE attempt > 1) AS retries,
                       coalesce(sum(images_stored), 0) AS images,
                       coalesce(sum(cost_usd) FILTER (WHERE outcome = 'ok'), 0) AS ok,
                       coalesce(sum(cost_usd) FILTER (WHERE outcome = 'adopted'), 0) AS adopted,
                       count(*) FILTER (WHERE outcome = 'ok') AS ok_calls
                  FROM model_call WHERE %s = ?""".formatted(column), id);
        return new Spend(
                money(r.get("total")),
                money(r.get("known")),
                money(r.get("estimated")),
                money(r.get("possibly")),
                number(r.get("attempts")),
                number(r.get("calls")),
                number(r.get("retries")),
                number(r.get("images")),
                number(r.get("possibly_calls")),
                money(r.get("ok")),
                money(r.get("adopted")),
                number(r.get("ok_calls")));
    }

    private static BigDecimal money(Object o) {
        return o instanceof BigDecimal b ? b : o == null ? BigDecimal.ZERO : new BigDecimal(o.toString());
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }
}
