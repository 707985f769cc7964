package dev.imagegen.run;

import dev.imagegen.catalog.Runs;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.StopSignal;
import java.sql.Timestamp;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code imagegen status}: the recent runs of a dataset (or of all datasets) from the job repository and the
 * metadata tables, and what a restart or the next run would do.
 */
public final class DatasetStatus {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final JdbcTemplate jdbc;

    public DatasetStatus(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** @param dataset a dataset, or null for all */
    public String render(String dataset, int limit) {
        List<Map<String, Object>> runs = jdbc.queryForList("""
                SELECT e.job_execution_id, e.job_instance_id, e.status, e.start_time, e.end_time, e.exit_message,
                       d.parameter_value AS dataset, r.parameter_value AS run_id,
                       (SELECT count(*) FROM generated_image g WHERE g.job_execution_id = e.job_execution_id) AS images,
                       (SELECT string_agg(k.kind || ' ' || k.n, ', ' ORDER BY k.kind)
                          FROM (SELECT kind, count(*) AS n FROM prompt_failure f
                                 WHERE f.job_execution_id = e.job_execution_id GROUP BY kind) k) AS skipped
                  FROM batch_job_execution e
                """ + Runs.RUN_PARAMETERS + """
                 WHERE ?::text IS NULL OR d.parameter_value = ?
                 ORDER BY e.job_execution_id DESC
                 LIMIT ?""", dataset, dataset, limit);
        StringBuilder out = new StringBuilder();
        if (runs.isEmpty()) {
            return "no runs" + (dataset == null ? "" : " of dataset '" + dataset + "'") + " yet\n";
        }
        out.append(String.format(
                "%-10s %-22s %5s %-10s %-19s %-19s %7s %9s  %s%n",
                "dataset", "run", "exec", "status", "started", "ended", "images", "cost", "skipped"));
        List<String> datasets = new ArrayList<>();
        boolean anyUnsettled = false;
        for (Map<String, Object> run : runs) {
            // The ledger's figure: every billed attempt; '*' when part of it is estimated or possibly billed.
            Ledger.Spend spend = Ledger.ofExecution(jdbc, ((Number) run.get("job_execution_id")).longValue());
            boolean unsettled = spend.unsettledUsd().signum() > 0;
            anyUnsettled |= unsettled;
            out.append(String.format(
                    "%-10s %-22s %5s %-10s %-19s %-19s %7s %9s  %s%n",
                    run.get("dataset"),
                    run.get("run_id"),
                    run.get("job_execution_id"),
                    run.get("status"),
                    time(run.get("start_time")),
                    time(run.get("end_time")),
                    run.get("images"),
                    String.format("$%.4f%s", spend.totalUsd().doubleValue(), unsettled ? "*" : ""),
                    run.get("skipped") == null ? "-" : run.get("skipped")));
            if (!datasets.contains((String) run.get("dataset"))) {
                datasets.add((String) run.get("dataset"));
            }
        }
        if (anyUnsettled) {
            out.append("* part of this cost is estimated (no cost in the answer) or possibly billed (no answer "
                    + "came: timeouts, resets), counted at an estimate\n");
        }
        for (String d : datasets) {
            out.append('\n').append(nextStep(d, runs));
        }
        out.append(workers());
        return out.toString();
    }

    /** The remote workers alive now (imagegen worker), if any, with the partitions they are running. */
    private String workers() {
        List<Map<String, Object>> alive = jdbc.queryForList("""
                SELECT w.worker_id, w.concurrency,
                       (SELECT count(*) FROM partition_claim c
                          JOIN batch_step_execution s ON s.step_execution_id = c.step_execution_id
                         WHERE c.worker_id = w.worker_id AND s.status IN ('STARTING', 'STARTED', 'STOPPING')) AS busy
                  FROM remote_worker w WHERE w.lease_until > now() AND w.stopped_at IS NULL
                 ORDER BY w.worker_id""");
        if (alive.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("\n" + alive.size() + " remote workers alive:\n");
        for (Map<String, Object> w : alive) {
            out.append(String.format(
                    "  %-40s %s of %s partitions running%n", w.get("worker_id"), w.get("busy"), w.get("concurrency")));
        }
        return out.toString();
    }

    private String nextStep(String dataset, List<Map<String, Object>> runs) {
        Map<String, Object> last = runs.stream()
                .filter(r -> dataset.equals(r.get("dataset")))
                .findFirst()
                .orElseThrow();
        Map<String, Object> pending = jdbc.queryForMap("""
                SELECT count(*) FILTER (WHERE NOT EXISTS (
                           SELECT 1 FROM generated_image g WHERE g.dataset = p.dataset AND g.prompt_id = p.prompt_id
                              AND g.request_hash = p.request_hash)) AS missing,
                       count(*) AS prompts,
                       (SELECT count(DISTINCT prompt_id) FROM prompt_failure f
                         WHERE f.dataset = ? AND f.resolved_at IS NULL) AS failed
                  FROM prompt p WHERE p.dataset = ?""", dataset, dataset);
        String status = String.valueOf(last.get("status"));
        String head = dataset + ": " + pending.get("prompts") + " prompts staged, " + pending.get("missing")
                + " without an image for their current settings, " + pending.get("failed")
                + " with an unresolved failure.\n";
        if (status.equals("COMPLETED")) {
            return head + "  The last run completed; the next run sends only prompts without an image "
                    + "(new or changed rows, earlier failures). rerun-failed sends only the "
                    + pending.get("failed") + " failed ones.\n";
        }
        String running = status.equals("STARTED") || status.equals("STARTING") || status.equals("STOPPING")
                ? " (if its process is gone, it will be recovered first)"
                : "";
        StopSignal.Cause cause = StopSignal.Cause.in((String) last.get("exit_message"));
        if (cause != null && cause.needsAPerson() && running.isEmpty()) {
            String fix = switch (cause) {
                case BUDGET ->
                    String.format(
                            "the run spent $%.4f of its budget; a restart goes on only with a "
                                    + "higher run.max-cost-usd (by the difference)",
                            Ledger.ofRun(jdbc, ((Number) last.get("job_instance_id")).longValue())
                                    .totalUsd()
                                    .doubleValue());
                case MAX_IMAGES -> "a restart goes on only with a higher run.max-images (by the difference)";
                case AUTH -> "fix the API key (or its permissions) first";
                default -> "add credits (or raise the key's limit) first";
            };
            return head + "  Run " + last.get("run_id") + " is " + status + " on " + cause.label() + ": " + fix
                    + ", then 'imagegen restart'. imagegen schedule does not restart it by itself.\n";
        }
        return head + "  Run " + last.get("run_id") + " is " + status + running + ": 'imagegen restart' continues "
                + "it; completed partitions are skipped and images already on disk are adopted, not paid for "
                + "again.\n";
    }

    private static String time(Object t) {
        return t instanceof Timestamp ts ? ts.toLocalDateTime().format(TIME) : "-";
    }
}
