package dev.imagegen.run;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.check.CapabilityCheck;
import dev.imagegen.check.CheckReport;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.progress.ProgressMode;
import dev.imagegen.remote.RemoteJobFile;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.Durations;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One run from the command line to its rows, as {@code imagegen run}, {@code restart} and {@code rerun-failed} do it
 * ({@link #run}) and {@code imagegen schedule} does it at every slot (its parts): pre-flight ({@link PreFlight}: the
 * job file, a key, the output directory, the source's columns) → the provider check ({@link CapabilityCheck}, before
 * any money is spent) → the job's Spring context ({@link RunSession}: signals, what remote workers need) → the launch
 * ({@link RunLauncher}: lock, recovery, start, with the progress display) → the summary → the report. It prints what a
 * person needs on the way and returns the {@link ExitCode}.
 */
public final class RunFlow {

    /** What the command line chose. */
    public record Options(
            Path jobFile,
            List<String> overrides,
            boolean dryRun,
            boolean skipCheck,
            String progress,
            String progressInterval,
            boolean report) {

        public Options {
            overrides = List.copyOf(overrides);
        }
    }

    /** How the run shows its progress, and whether it writes its report at the end. */
    public record Display(ProgressMode mode, Duration interval, boolean report) {}

    /**
     * The job file after the provider check: with what the check learnt.
     *
     * @param report the check's report, null when it did not run ({@code --skip-check}, the placeholder model)
     * @param blocked the exit code when the check refuses the run (its problems are printed), else null
     */
    public record Checked(JobSpec spec, CheckReport report, Integer blocked) {}

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;

    public RunFlow(Options options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /**
     * The whole flow for one run.
     *
     * @param planFor when not null, the plan is printed in one line before the run starts, for the run id it gives
     *                (null: a new run)
     * @param action starts or restarts the run (e.g. {@code launcher -> launcher.run(runId, Map.of())})
     */
    public int run(Function<JobSpec, String> planFor, Function<RunLauncher, RunOutcome> action) {
        JobSpec spec;
        Display shown;
        try {
            spec = load(true);
            shown = display();
        } catch (JobFileException e) {
            return usage(e);
        } catch (SourceUnavailableException e) {
            err.println("imagegen: " + e.getMessage() + "; fix it and run the same command again");
            return ExitCode.FAILED;
        }
        Checked checked = check(spec);
        if (checked.blocked() != null) {
            return checked.blocked();
        }
        spec = checked.spec();
        try (RunSession session = open(spec, () -> {})) {
            if (planFor != null) {
                session.printPlan(checked.report(), planFor.apply(spec));
            }
            RunOutcome outcome = session.launch(shown, action);
            if (outcome.summary() != null) {
                out.print(outcome.summary().render());
                if (shown.report()) {
                    session.writeReport(outcome.summary().runId());
                }
            } else if (outcome.message() != null) {
                err.println("imagegen: " + outcome.message());
            }
            printHint(spec, outcome);
            return outcome.exitCode();
        } catch (JobFileException e) {
            return usage(e);
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    /**
     * Pre-flight: the job file loaded and made ready for a run ({@link PreFlight#ready}).
     *
     * @param withSource also check the source's columns (a scheduler checks them before every run instead)
     */
    public JobSpec load(boolean withSource) {
        JobSpec spec =
                PreFlight.ready(new JobSpecLoader().load(options.jobFile(), options.overrides()), options.dryRun());
        if (withSource) {
            PreFlight.checkSource(spec);
        }
        return spec;
    }

    /** The progress options, parsed. */
    public Display display() {
        ProgressMode mode;
        try {
            mode = ProgressMode.parse(options.progress());
        } catch (IllegalArgumentException e) {
            throw new JobFileException("--progress: " + e.getMessage());
        }
        return new Display(mode, Durations.parse("--progress-interval", options.progressInterval()), options.report());
    }

    /** The provider check (key, model, options), unless skipped or needless; its problems are printed. */
    public Checked check(JobSpec spec) {
        if (options.skipCheck() || spec.model().isPlaceholder()) {
            return new Checked(spec, null, null);
        }
        // Before any money is spent (and before the database is touched): key, model and options.
        CheckReport report = CapabilityCheck.standard().check(spec);
        report.printProblems(err);
        if (report.blocksRun()) {
            err.println("imagegen: not started; fix the above (details: imagegen check " + options.jobFile()
                    + "), or skip the check with --skip-check");
            return new Checked(spec, report, report.exitCode());
        }
        return new Checked(report.applyTo(spec), report, null);
    }

    /**
     * The job's Spring context, with the signal handlers installed and, for a remote run, what the workers need to
     * load the same job file (never the API key: they have their own).
     *
     * @param alsoOnStop what the first signal does besides stopping the run (e.g. ends a scheduler)
     */
    public RunSession open(JobSpec spec, Runnable alsoOnStop) {
        ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of());
        try {
            RunGuard guard = ctx.getBean(RunGuard.class);
            Signals.install(guard, alsoOnStop);
            RunLauncher launcher = ctx.getBean(RunLauncher.class);
            if (spec.run().remote()) {
                launcher.addParameters(RemoteJobFile.parameters(options.overrides(), options.dryRun(), spec));
            }
            return new RunSession(ctx, spec, guard, launcher, out, err);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    /** The command that restarts run {@code runId} as it was started (a dry run, remote workers). */
    public String restartCommand(JobSpec spec, String runId) {
        return "imagegen run " + options.jobFile() + " --run-id " + runId + (options.dryRun() ? " --dry-run" : "")
                + workers(spec);
    }

    private String workers(JobSpec spec) {
        return spec.run().remote() ? " --workers remote" : "";
    }

    private void printHint(JobSpec spec, RunOutcome outcome) {
        if (outcome.exitCode() == ExitCode.WAITING) {
            err.println("imagegen: the batches are submitted; collect them with: imagegen run " + options.jobFile()
                    + " --run-id " + outcome.summary().runId() + "   (or: imagegen restart " + options.jobFile()
                    + "); imagegen status " + options.jobFile() + " shows their progress");
        } else if (outcome.exitCode() == ExitCode.STOPPED
                || outcome.exitCode() == ExitCode.FAILED && outcome.summary() != null) {
            err.println("imagegen: restart with: "
                    + restartCommand(spec, outcome.summary().runId()) + "   (or: imagegen restart " + options.jobFile()
                    + workers(spec) + ")");
        }
    }

    /** A job-file problem: printed, exit 2. */
    public int usage(JobFileException e) {
        err.println("imagegen: " + e.getMessage());
        return ExitCode.USAGE;
    }

    /** An unexpected failure: its root cause printed, exit 1. */
    public int failed(RuntimeException e) {
        err.println("imagegen: failed: " + Errors.describe(e));
        return ExitCode.FAILED;
    }
}
