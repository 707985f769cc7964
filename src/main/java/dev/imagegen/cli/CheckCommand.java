package dev.imagegen.cli;

import dev.imagegen.check.CapabilityCheck;
import dev.imagegen.check.CheckReport;
import dev.imagegen.run.PreFlight;
import dev.imagegen.source.SourceUnavailableException;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Checks a job file against its provider before any money is spent: the job file and the "
                    + "source's columns, that the API key is accepted (and has credit left, where the provider says), "
                    + "that the model exists and makes images, and that it takes the requested options (image-config, "
                    + "seed, reference images, images per call) as far as the provider can tell. Costs nothing: only "
                    + "GET requests (OpenRouter: /key and /models or /images/models; OpenAI: /models/{model}).",
            "'imagegen run' does the same check at its start (skip it with --skip-check)."
        },
        footer = {
            "",
            "Exit codes: 0 ready (warnings may be printed), 1 the provider could not be asked, 2 a job-file "
                    + "problem (unknown model, unsupported option, missing column), 3 the key is refused or its credit "
                    + "is used up."
        })
final class CheckCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Override
    public Integer call() {
        JobSpec spec;
        try {
            spec = job.load();
            if (!spec.model().isPlaceholder() && !spec.model().apiKey().isPresent()) {
                throw new JobFileException("model.api-key: no API key; export it (e.g. OPENROUTER_API_KEY or "
                        + "OPENAI_API_KEY) so that the job file's api-key finds it");
            }
            PreFlight.checkSource(spec);
        } catch (JobFileException e) {
            return Console.usage(e);
        } catch (SourceUnavailableException e) {
            return Console.unavailable(e);
        }
        CheckReport report = CapabilityCheck.standard().check(spec);
        report.print(System.out);
        return report.exitCode();
    }
}
