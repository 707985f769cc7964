package dev.imagegen.cli;

import java.util.Map;
import java.util.function.Function;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.generate.RunGuard;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import org.springframework.context.ConfigurableApplicationContext;

/** Runs something against a job file's Spring context and turns its outcome into output and an exit code. */
final class Launch {

    private Launch() {
    }

    static int run(JobFileOptions job, boolean dryRun, Function<RunLauncher, RunOutcome> action) {
        JobSpec spec;
        try {
            spec = job.loadForRun(dryRun);
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            Signals.install(ctx.getBean(RunGuard.class));
            RunOutcome outcome = action.apply(ctx.getBean(RunLauncher.class));
            if (outcome.summary() != null) {
                System.out.print(outcome.summary().render());
            } else if (outcome.message() != null) {
                System.err.println("imagegen: " + outcome.message());
            }
            if (outcome.exitCode() == RunOutcome.STOPPED || outcome.exitCode() == RunOutcome.FAILED
                    && outcome.summary() != null) {
                System.err.println("imagegen: restart with: imagegen run " + job.jobFile + " --run-id "
                        + outcome.summary().runId() + (dryRun ? " --dry-run" : "") + "   (or: imagegen restart "
                        + job.jobFile + ")");
            }
            return outcome.exitCode();
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (RuntimeException e) {
            System.err.println("imagegen: failed: " + Errors.describe(e));
            return RunOutcome.FAILED;
        }
    }
}
