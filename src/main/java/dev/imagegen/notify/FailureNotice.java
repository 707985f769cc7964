package dev.imagegen.notify;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.metrics.Figures;
import dev.imagegen.metrics.RunFigures;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.NotifySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tells {@code notify.webhook} when a run ends other than COMPLETED: a JSON POST whose {@code text} (what Slack,
 * Mattermost and most chat webhooks show) has the summary line, why, the main figures and the command that restarts
 * the run; the same facts as fields under {@code imagegen}. A webhook that is down, slow or refuses is logged and
 * never changes the run's outcome; the wait is bounded by {@code notify.timeout}.
 */
final class FailureNotice implements JobExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(FailureNotice.class);

    private final NotifySpec notify;
    private final JobSpec spec;
    private final RunFigures figures;
    private final RunGuard guard;
    private final JsonMapper json;

    FailureNotice(JobSpec spec, RunFigures figures, RunGuard guard, JsonMapper json) {
        this.notify = spec.notifications();
        this.spec = spec;
        this.figures = figures;
        this.guard = guard;
        this.json = json;
    }

    @Override
    public void afterJob(JobExecution execution) {
        if (!notify.enabled() || execution.getStatus() == BatchStatus.COMPLETED) {
            return;
        }
        try {
            send(body(figures.read(execution, true), guard.cause()));
        } catch (RuntimeException e) {
            log.warn("notify: the run's notice could not be sent: {}", e.toString());
        }
    }

    /**
     * The notice's JSON; {@code cause} is what stopped the run, when a person must change something before the
     * restart goes on (a budget, max-images, the key, credits): the notice says what, before the restart command.
     */
    String body(Figures f, StopSignal.Cause cause) {
        String restart = restartCommand(f.runId());
        String first = cause == null ? null : cause.beforeRestart();
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "imagegen: dataset %s, run %s (execution %d): %s (exit %d)",
                f.dataset(),
                f.runId(),
                f.executionId(),
                f.status(),
                f.exitCode()));
        if (f.reason() != null) {
            text.append("\nwhy: ").append(f.reason());
        }
        text.append(String.format(
                Locale.ROOT, "%nimages %d, skipped %d, cost $%.4f", f.images(), f.skipped(), f.costUsd()));
        if (first != null) {
            text.append("\nfirst: ").append(first);
        }
        text.append("\nrestart: ").append(restart);
        ObjectNode root = json.createObjectNode();
        root.put("text", text.toString());
        ObjectNode run = root.putObject("imagegen");
        run.put("dataset", f.dataset());
        run.put("run_id", f.runId());
        run.put("execution_id", f.executionId());
        run.put("status", f.status());
        run.put("exit_code", f.exitCode());
        run.put("reason", f.reason());
        run.put("images", f.images());
        run.put("skipped", f.skipped());
        run.put("cost_usd", f.costUsd());
        run.put("before_restart", first);
        run.put("restart_command", restart);
        return json.writeValueAsString(root);
    }

    /** What restarts this run (the same run id continues it; its completed partitions are not redone). */
    String restartCommand(String runId) {
        return "imagegen run " + spec.file() + " --run-id " + shellWord(runId)
                + (spec.model().isPlaceholder() ? " --dry-run" : "")
                + (spec.run().remote() ? " --workers remote" : "");
    }

    private static String shellWord(String s) {
        return s.matches("[A-Za-z0-9._:@%+=,/-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private void send(String body) {
        URI url = URI.create(notify.webhook().reveal());
        String where = url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(notify.timeout()).build();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(notify.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                log.info("notify: the webhook at {} was told the run did not complete", where);
            } else {
                String answer = response.body() == null ? "" : response.body().strip();
                log.warn(
                        "notify: the webhook at {} answered HTTP {}{}; the run's outcome is unchanged",
                        where,
                        response.statusCode(),
                        answer.isEmpty()
                                ? ""
                                : ": " + (answer.length() > 200 ? answer.substring(0, 200) + "…" : answer));
            }
        } catch (IOException e) {
            log.warn(
                    "notify: the webhook at {} could not be reached ({}); the run's outcome is unchanged",
                    where,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
