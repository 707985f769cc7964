package dev.imagegen.schedule;

import dev.imagegen.run.RunIds;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.ScheduleSpec;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.scheduling.support.CronExpression;

/**
 * {@code imagegen schedule}: a long-lived loop that starts the dataset's run at every slot of {@code schedule.cron}.
 * On start-up it first restarts the dataset's latest run if that did not complete (failed, stopped, or killed while
 * running: catch-up), then waits for the next slot. Runs never overlap: this loop runs one at a time, and a run of
 * the same dataset by another process holds the dataset's lock in the database, so the slot is skipped (exit 4).
 * A run that outlasts slots skips them rather than piling them up.
 */
public final class Scheduler {

    /** Starts or restarts one run (the real one is {@code RunLauncher::run} after the source check). */
    @FunctionalInterface
    public interface Launch {
        RunOutcome run(String runId) throws Exception;
    }

    /** Where the scheduler reports: each run's outcome, a launch that threw, and what it is doing. */
    public interface Reporter {
        void outcome(String runId, RunOutcome outcome);

        void failure(String runId, Exception e);

        void message(String text);
    }

    private final ScheduleSpec schedule;
    private final String dataset;
    private final Supplier<Optional<String>> lastUnfinished;
    private final Launch launch;
    private final SlotClock clock;
    private final Reporter reporter;
    private final boolean atMostDaily;
    private final java.util.function.Function<String, String> holdBack;

    /**
     * @param lastUnfinished the run id of the dataset's latest run when it did not complete (the catch-up), e.g.
     *                       {@code RunLauncher::lastUnfinishedRunId}
     */
    public Scheduler(
            ScheduleSpec schedule,
            String dataset,
            Supplier<Optional<String>> lastUnfinished,
            Launch launch,
            SlotClock clock,
            Reporter reporter) {
        this(schedule, dataset, lastUnfinished, runId -> null, launch, clock, reporter);
    }

    /**
     * @param holdBack why the catch-up must not restart a run (it stopped on its budget, max-images, a refused key or
     *                 missing credits: a restart would spend what nobody allowed or stop again), or null to restart
     *                 it, e.g. {@code RunLauncher::catchUpHeldBack}
     */
    public Scheduler(
            ScheduleSpec schedule,
            String dataset,
            Supplier<Optional<String>> lastUnfinished,
            java.util.function.Function<String, String> holdBack,
            Launch launch,
            SlotClock clock,
            Reporter reporter) {
        this.holdBack = holdBack;
        if (!schedule.hasCron()) {
            throw new IllegalArgumentException("no schedule.cron");
        }
        this.schedule = schedule;
        this.dataset = dataset;
        this.lastUnfinished = lastUnfinished;
        this.launch = launch;
        this.clock = clock;
        this.reporter = reporter;
        this.atMostDaily = firesAtMostOncePerDay(schedule.expression(), schedule.zone(), clock.now(schedule.zone()));
    }

    /** Catches up, then runs at every slot until the clock says stop. */
    public void run() throws InterruptedException {
        catchUp();
        ZoneId zone = schedule.zone();
        ZonedDateTime after = clock.now(zone);
        while (true) {
            ZonedDateTime slot = schedule.expression().next(after);
            if (slot == null) {
                reporter.message("schedule.cron '" + schedule.cron() + "' has no more slots; exiting");
                return;
            }
            reporter.message("dataset " + dataset + ": next run " + RunIds.forSlot(slot, atMostDaily) + " at "
                    + slot.toOffsetDateTime());
            if (!clock.awaitUntil(slot)) {
                return;
            }
            launch(RunIds.forSlot(slot, atMostDaily));
            ZonedDateTime now = clock.now(zone);
            after = now.isAfter(slot) ? now : slot;
        }
    }

    private void catchUp() {
        Optional<String> unfinished = lastUnfinished.get();
        String held = unfinished.map(holdBack).orElse(null);
        if (held != null) {
            reporter.message("not catching up run " + unfinished.get() + " of dataset " + dataset + ": " + held);
            return;
        }
        if (unfinished.isPresent()) {
            reporter.message("catching up: the latest run of dataset " + dataset + ", " + unfinished.get()
                    + ", did not complete (failed, stopped or killed); restarting it");
            launch(unfinished.get());
        }
    }

    private void launch(String runId) {
        try {
            reporter.outcome(runId, launch.run(runId));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reporter.failure(runId, e);
        } catch (Exception e) {
            reporter.failure(runId, e);
        }
    }

    /**
     * Whether no day has two slots, looked at over the coming year: such a schedule names its runs after their date
     * (a nightly run), any other after their date and time.
     */
    static boolean firesAtMostOncePerDay(CronExpression cron, ZoneId zone, ZonedDateTime from) {
        ZonedDateTime end = from.plusYears(1);
        LocalDate previous = null;
        ZonedDateTime t = from.withZoneSameInstant(zone);
        for (int i = 0; i < 1000; i++) {
            t = cron.next(t);
            if (t == null || t.isAfter(end)) {
                return true;
            }
            if (t.toLocalDate().equals(previous)) {
                return false;
            }
            previous = t.toLocalDate();
        }
        return true;
    }
}
