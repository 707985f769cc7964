package dev.imagegen.run;

import dev.imagegen.ledger.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;

/**
 * What one execution did, read back from the database: the figures printed at the end of a run. The money is the
 * ledger's ({@code model_call}): {@code spend} this execution's, {@code runSpend} the whole run's (every execution),
 * which is what {@code run.max-cost-usd} counts.
 */
public record RunSummary(
        String dataset,
        String runId,
        long executionId,
        BatchStatus status,
        String reason,
        long promptsRead,
        long rejected,
        long images,
        long adopted,
        Map<String, Long> skippedByKind,
        long retries,
        double costUsd,
        Duration wallTime,
        Path outputDir,
        Ledger.Spend spend,
        Ledger.Spend runSpend,
        Double maxCostUsd) {

    public long skipped() {
        return skippedByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    public double imagesPerSecond() {
        double seconds = wallTime.toMillis() / 1000.0;
        return seconds <= 0 ? 0 : images / seconds;
    }

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "%nimagegen: dataset %s, run %s (execution %d): %s%n", dataset, runId, executionId, status));
        if (reason != null && !reason.isBlank()) {
            s.append("  why             ").append(reason).append('\n');
        }
        s.append(String.format(
                "  prompts read    %d%s%n",
                promptsRead, rejected > 0 ? " (" + rejected + " rows rejected, see source_reject)" : ""));
        s.append(String.format(
                "  images written  %d%s%n",
                images, adopted > 0 ? " (" + adopted + " adopted from disk after a crash)" : ""));
        s.append(String.format(
                "  skipped         %d%s%n",
                skipped(),
                skippedByKind.isEmpty()
                        ? ""
                        : " "
                                + skippedByKind
                                        .toString()
                                        .replace("=", ": ")
                                        .replace("{", "(")
                                        .replace("}", ")")));
        s.append(String.format("  retries         %d%n", retries));
        s.append(String.format("  cost            $%.4f%s%n", costUsd, spend == null ? "" : spend.unsettledNote()));
        if (runSpend != null && (runSpend.totalUsd().compareTo(spend.totalUsd()) != 0 || maxCostUsd != null)) {
            // The budget is the run's: say what all its executions spent, and what is left.
            s.append(String.format(
                    "  run cost        $%.4f over all executions of run %s%s%n",
                    runSpend.totalUsd(),
                    runId,
                    maxCostUsd == null
                            ? ""
                            : String.format(
                                    " (run.max-cost-usd $%.2f, $%.4f left)",
                                    maxCostUsd,
                                    Math.max(0, maxCostUsd - runSpend.totalUsd().doubleValue()))));
        }
        s.append(String.format(
                "  wall time       %.1f s (%.2f images/s)%n", wallTime.toMillis() / 1000.0, imagesPerSecond()));
        s.append(String.format("  output          %s%n", outputDir));
        return s.toString();
    }
}
