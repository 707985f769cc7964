package dev.imagegen.schedule;

import dev.imagegen.ExitCode;
import dev.imagegen.run.Errors;
import dev.imagegen.run.PreFlight;
import dev.imagegen.run.RunFlow;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.run.RunSession;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code imagegen schedule}: the parts of a {@link RunFlow} (pre-flight, check, context) once, then the
 * {@link Scheduler}'s runs in that context, each after its own source check, with the progress display and the report.
 */
public final class ScheduleFlow {

    private final RunFlow flow;
    private final PrintStream out;
    private final PrintStream err;

    public ScheduleFlow(RunFlow flow, PrintStream out, PrintStream err) {
        this.flow = flow;
        this.out = out;
        this.err = err;
    }

    /** Runs until a signal stops it; the exit code says only whether it could start (each run's outcome is printed). */
    public int run() {
        JobSpec spec;
        try {
            spec = flow.load(false);
            if (!spec.schedule().hasCron()) {
                throw new JobFileException("schedule.cron: missing; imagegen schedule needs a schedule: section with "
                        + "a cron, e.g. schedule: { cron: \"0 2 * * *\", zone: Europe/Berlin } for 02:00 every night");
            }
            PreFlight.checkSource(spec);
        } catch (JobFileException e) {
            return flow.usage(e);
        } catch (SourceUnavailableException e) {
            // The source may be back by the next slot: it is checked again before every run.
            err.println("imagegen: warning: " + e.getMessage());
            spec = flow.load(false);
        }
        RunFlow.Checked checked = flow.check(spec);
        if (checked.blocked() != null) {
            return checked.blocked();
        }
        JobSpec ready = checked.spec();
        SystemSlotClock clock = new SystemSlotClock();
        try (RunSession session = flow.open(ready, clock::stop)) {
            RunLauncher launcher = session.launcher();
            RunFlow.Display shown = flow.display();
            Scheduler.Launch launch = runId -> {
                PreFlight.checkSource(ready);
                RunOutcome outcome = session.launch(shown, l -> l.run(runId, Map.of()));
                if (shown.report() && outcome.summary() != null) {
                    session.writeReport(outcome.summary().runId());
                }
                return outcome;
            };
            new Scheduler(
                            ready.schedule(),
                            ready.dataset(),
                            launcher::lastUnfinishedRunId,
                            launcher::catchUpHeldBack,
                            launch,
                            clock,
                            reporter(ready))
                    .run();
            err.println("imagegen: scheduler stopped");
            return ExitCode.COMPLETED;
        } catch (JobFileException e) {
            return flow.usage(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.COMPLETED;
        } catch (RuntimeException e) {
            return flow.failed(e);
        }
    }

    /** Where the scheduler of {@code ready} reports. */
    Scheduler.Reporter reporter(JobSpec ready) {
        return new ConsoleReporter(out, err, runId -> flow.restartCommand(ready, runId));
    }

    /**
     * Summaries to stdout as {@code run} prints them; everything else, one line each, to stderr.
     *
     * @param restart the command that starts or restarts a run id as this scheduler would
     */
    record ConsoleReporter(PrintStream out, PrintStream err, Function<String, String> restart)
            implements Scheduler.Reporter {

        @Override
        public void outcome(String runId, RunOutcome outcome) {
            if (outcome.summary() != null) {
                out.print(outcome.summary().render());
                out.flush();
            } else if (outcome.message() != null) {
                err.println("imagegen: run " + runId + ": " + outcome.message());
            }
        }

        @Override
        public void failure(String runId, Exception e) {
            err.println("imagegen: run " + runId + " did not start: " + Errors.describe(e) + " (after fixing it: "
                    + restart.apply(runId) + ")");
        }

        @Override
        public void message(String text) {
            err.println("imagegen: " + text);
        }
    }
}
