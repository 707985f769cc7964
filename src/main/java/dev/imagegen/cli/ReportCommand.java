package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.catalog.RunRef;
import dev.imagegen.report.RunReports;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the report of a run from the database: output.dir/reports/<run>/report.html (figures, "
                    + "failures by kind with the provider's messages, cost, latency, throughput and a thumbnail "
                    + "gallery) and summary.json (the same figures for scripts).",
            "'imagegen run' writes it after every run; this command rewrites it, e.g. after a crash or for an "
                    + "older run. Thumbnails already made are reused. Needs no API key."
        },
        footer = {
            "",
            "Exit codes: 0 written, 1 failed, 2 bad job file or no such run.",
            "Example: imagegen report jobs/demo.yml --run-id night-1"
        })
final class ReportCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Option(names = "--run-id", paramLabel = "ID", description = "the run to report on (default: the latest run)")
    String runId;

    @Override
    public Integer call() {
        JobSpec spec;
        try {
            // The report reads the database only: no model client, so no key is needed.
            spec = job.load().asDryRun();
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            RunReports reports = RunReports.in(ctx);
            Optional<RunRef> run = reports.find(runId);
            if (run.isEmpty()) {
                System.err.println("imagegen: "
                        + (runId == null
                                ? "dataset '" + spec.dataset() + "' has no runs " + "yet; start one with: imagegen run "
                                        + job.jobFile
                                : "dataset '" + spec.dataset() + "' has no run '" + runId + "'"));
                return ExitCode.USAGE;
            }
            RunReports.Written written = reports.write(run.get());
            System.out.print(written.describe());
            return ExitCode.COMPLETED;
        } catch (JobFileException e) {
            return Console.usage(e);
        } catch (Exception e) {
            return Console.failed("report ", e);
        }
    }
}
