package dev.imagegen.batch;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.spec.JobSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import tools.jackson.databind.JsonNode;

/**
 * The {@code wait} step: polls the dataset's open batches ({@code GET /batches/{id}}) until each has ended
 * (completed, expired, cancelled or failed), backing off from {@code model.batch.poll-interval} to
 * {@code max-poll-interval}. One round of polls is one repetition of the tasklet, so a kill or a stop resumes
 * polling the same batches. With {@code --no-wait} it polls once and, if batches are still running, ends the run
 * STOPPED with {@link dev.imagegen.ExitCode#WAITING} (exit 5): the next run, restart or scheduled slot collects.
 */
final class WaitTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(WaitTasklet.class);
    /** Job parameter of {@code run --no-wait}. */
    static final String NO_WAIT = BatchSteps.NO_WAIT;

    private static final long SLICE_MILLIS = 50;

    private final JobSpec spec;
    private final OpenAiBatchApi api;
    private final Batches batches;
    private final RunGuard guard;
    private Duration delay;

    WaitTasklet(JobSpec spec, OpenAiBatchApi api, Batches batches, RunGuard guard) {
        this.spec = spec;
        this.api = api;
        this.batches = batches;
        this.guard = guard;
        this.delay = spec.model().batch().pollInterval();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        List<BatchRow> running = new ArrayList<>();
        for (BatchRow b : batches.open(spec.dataset())) {
            if (b.created() && !b.isTerminal()) {
                running.add(b);
            }
        }
        if (running.isEmpty()) {
            return RepeatStatus.FINISHED;
        }
        long total = 0;
        long done = 0;
        long failed = 0;
        int still = 0;
        StringBuilder states = new StringBuilder();
        for (BatchRow b : running) {
            JsonNode batch;
            try {
                batch = api.retrieve(b.batchId());
            } catch (ModelCallException e) {
                if (e.kind().action() == FailureKind.Action.STOP) {
                    guard.stop("OpenAI refused to show batch " + b.batchId() + " ("
                            + e.kind().id() + "): " + e.getMessage() + "; fix it, then restart");
                    step.setTerminateOnly();
                    return RepeatStatus.FINISHED;
                }
                throw new IllegalStateException(
                        "polling batch " + b.batchId() + " failed: " + e.getMessage() + "; restart to resume waiting",
                        e);
            }
            batches.update(b.id(), batch);
            JsonNode counts = batch.path("request_counts");
            total += counts.path("total").asLong(b.requests());
            done += counts.path("completed").asLong(0);
            failed += counts.path("failed").asLong(0);
            String status = batch.path("status").asString();
            if (!BatchRow.terminal(status)) {
                still++;
            }
            states.append(' ').append(b.batchId()).append('=').append(status);
        }
        if (guard.expected() < 0) {
            guard.expect(total);
        }
        log.info("batches of {}: {} of {} requests done, {} failed;{}", spec.dataset(), done, total, failed, states);
        if (still == 0) {
            return RepeatStatus.FINISHED;
        }
        if ("true".equals(step.getJobExecution().getJobParameters().getString(NO_WAIT))) {
            step.getJobExecution().getExecutionContext().putString(BatchSteps.WAITING_KEY, still + " batches");
            guard.stop(still + " batches submitted and running at OpenAI (" + done + " of " + total + " requests "
                    + "done); run the same command again, or imagegen restart, to collect them when they end");
            step.setTerminateOnly();
            return RepeatStatus.FINISHED;
        }
        if (!pause(delay)) {
            step.setTerminateOnly();
            return RepeatStatus.FINISHED;
        }
        Duration next = Duration.ofMillis((long) (delay.toMillis() * 1.5));
        delay = next.compareTo(spec.model().batch().maxPollInterval()) > 0
                ? spec.model().batch().maxPollInterval()
                : next;
        return RepeatStatus.CONTINUABLE;
    }

    /** @return false when the run is stopping (a signal): the step stops, and a restart resumes polling */
    private boolean pause(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (guard.ending() != StopSignal.Ending.NONE) {
                return false;
            }
            Thread.sleep(Math.max(1, Math.min(SLICE_MILLIS, (end - System.nanoTime()) / 1_000_000)));
        }
        return guard.ending() == StopSignal.Ending.NONE;
    }
}
