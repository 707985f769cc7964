package dev.imagegen.run;

import dev.imagegen.check.CheckReport;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.plan.Planner;
import dev.imagegen.progress.RunProgress;
import dev.imagegen.report.RunReports;
import dev.imagegen.spec.JobSpec;
import java.io.PrintStream;
import java.util.function.Function;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The job's Spring context while a run (or a scheduler's runs) use it ({@link RunFlow#open}): its launcher, the
 * progress display, the plan line, the report.
 */
public final class RunSession implements AutoCloseable {

    private final ConfigurableApplicationContext ctx;
    private final JobSpec spec;
    private final RunGuard guard;
    private final RunLauncher launcher;
    private final PrintStream out;
    private final PrintStream err;

    RunSession(
            ConfigurableApplicationContext ctx,
            JobSpec spec,
            RunGuard guard,
            RunLauncher launcher,
            PrintStream out,
            PrintStream err) {
        this.ctx = ctx;
        this.spec = spec;
        this.guard = guard;
        this.launcher = launcher;
        this.out = out;
        this.err = err;
    }

    public RunLauncher launcher() {
        return launcher;
    }

    /** Runs {@code action} with the progress display. */
    public RunOutcome launch(RunFlow.Display shown, Function<RunLauncher, RunOutcome> action) {
        try (RunProgress bar = RunProgress.start(guard.counters(), shown.mode(), shown.interval())) {
            return action.apply(launcher);
        }
    }

    /** The plan in one line; a plan that cannot be made is said, and the run goes on. */
    void printPlan(CheckReport checked, String runId) {
        try {
            err.println(
                    "imagegen: plan: " + Planner.plan(ctx, spec, checked, runId).oneLine());
        } catch (RuntimeException e) {
            err.println("imagegen: plan: not available (" + Errors.describe(e) + ")");
        }
    }

    /** The report is a by-product: failing to write it is reported but does not change the run's exit code. */
    public void writeReport(String runId) {
        try {
            RunReports reports = RunReports.in(ctx);
            reports.find(runId).ifPresent(run -> out.print(reports.write(run).describe()));
        } catch (RuntimeException e) {
            err.println("imagegen: the run's report could not be written: " + Errors.describe(e)
                    + " (retry with: imagegen report JOBFILE --run-id " + runId + ")");
        }
    }

    @Override
    public void close() {
        ctx.close();
    }
}
