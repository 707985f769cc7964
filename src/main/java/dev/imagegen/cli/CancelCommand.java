package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.batch.BatchCommands;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        description = {
            "Cancels the dataset's OpenAI batches that are still running (model.provider: openai-batch). "
                    + "What they completed before the cancel is collected by the next run or restart; the rest stays "
                    + "pending and is submitted again by the next run."
        },
        footer = {
            "",
            "Exit codes: 0 done (or nothing to cancel), 1 a batch could not be cancelled, 2 bad usage or " + "job file."
        })
final class CancelCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Override
    public Integer call() {
        JobSpec spec;
        try {
            spec = job.load();
            if (!spec.model().isBatch()) {
                throw new JobFileException("model.provider is " + spec.model().provider() + ": only openai-batch "
                        + "runs have batches to cancel");
            }
            if (!spec.model().apiKey().isPresent()) {
                throw new JobFileException("model.api-key: no API key; export it (e.g. OPENAI_API_KEY)");
            }
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            List<String> lines = BatchCommands.cancel(ctx.getBean(JdbcTemplate.class), spec);
            if (lines.isEmpty()) {
                System.out.println("no running batches of dataset '" + spec.dataset() + "'");
            }
            lines.forEach(System.out::println);
            return lines.stream().anyMatch(l -> l.contains("not cancelled")) ? ExitCode.FAILED : ExitCode.COMPLETED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED;
        } catch (RuntimeException e) {
            return Console.failed("", e);
        }
    }
}
