package dev.imagegen.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.generate.RunGuard;
import dev.imagegen.run.RunLauncher;
import dev.imagegen.run.RunOutcome;
import dev.imagegen.source.CsvSource;
import dev.imagegen.source.PromptTemplate;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a job file: stages the source's prompts, generates the images that are missing for "
                + "the current settings, and prints a summary.",
                "The same --run-id after a crash or stop restarts that run; a new run id is a new incremental run "
                        + "that only sends prompts without an image for the current request."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOBFILE", description = "the job file (YAML), e.g. jobs/demo.yml")
    Path jobFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a job file key, e.g. --set run.concurrency=16 --set model.base-url=http://...")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-id", paramLabel = "ID",
            description = "name of this run; give an earlier one to restart it (default: a new id from the time)")
    String runId;

    @Option(names = "--dry-run",
            description = "use the local placeholder model: the whole pipeline at zero cost, no key needed")
    boolean dryRun;

    @Override
    public Integer call() {
        JobSpec spec;
        try {
            spec = prepare();
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(spec, Map.of())) {
            RunGuard guard = ctx.getBean(RunGuard.class);
            Signals.install(guard);
            RunOutcome outcome = ctx.getBean(RunLauncher.class).run(runId != null ? runId : RunLauncher.newRunId());
            if (outcome.summary() != null) {
                System.out.print(outcome.summary().render());
            } else if (outcome.message() != null) {
                System.err.println("imagegen: " + outcome.message());
            }
            if (outcome.exitCode() == RunOutcome.STOPPED) {
                System.err.println("imagegen: stopped; restart with: imagegen run " + jobFile + " --run-id "
                        + outcome.summary().runId());
            }
            return outcome.exitCode();
        } catch (JobFileException e) {
            System.err.println("imagegen: " + e.getMessage());
            return RunOutcome.USAGE;
        } catch (Exception e) {
            System.err.println("imagegen: failed: " + Errors.describe(e));
            return RunOutcome.FAILED;
        }
    }

    private JobSpec prepare() {
        JobSpec spec = new JobSpecLoader().load(jobFile, overrides);
        if (dryRun) {
            spec = spec.asDryRun();
        } else if (!spec.model().isPlaceholder() && !spec.model().apiKey().isPresent()) {
            throw new JobFileException("model.api-key: no API key. Either export the key (e.g. export "
                    + "OPENROUTER_API_KEY=sk-or-...) so that the job file's api-key: \"${OPENROUTER_API_KEY}\" finds "
                    + "it, or add --dry-run to try the whole pipeline with local placeholder images at zero cost");
        }
        new CsvSource(spec.source()).checkHeader(new PromptTemplate(spec.model().promptTemplate()));
        Path out = spec.output().dir();
        try {
            Files.createDirectories(out);
        } catch (Exception e) {
            throw new JobFileException("output.dir: cannot create " + out + ": " + e.getMessage());
        }
        if (!Files.isWritable(out)) {
            throw new JobFileException("output.dir: " + out + " is not writable; choose another directory");
        }
        return spec;
    }
}
