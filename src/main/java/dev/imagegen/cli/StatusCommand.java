package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.run.DatasetStatus;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpecLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Shows the recent runs of the job file's dataset (or of every dataset): run id, status, "
                    + "start and end, images, cost, skipped prompts by kind; and what a restart or the next run would "
                    + "do."
        })
final class StatusCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOBFILE", description = "the job file (optional)")
    Path jobFile;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10", description = "how many runs (default 10)")
    int limit;

    @Override
    public Integer call() {
        String dataset = null;
        try {
            if (jobFile != null) {
                dataset = new JobSpecLoader().load(jobFile, List.of()).dataset();
            }
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            System.out.print(new DatasetStatus(ctx.getBean(JdbcTemplate.class)).render(dataset, limit));
            System.out.print(dev.imagegen.batch.BatchCommands.status(ctx.getBean(JdbcTemplate.class), dataset));
            return ExitCode.COMPLETED;
        } catch (RuntimeException e) {
            return Console.failed("", e);
        }
    }
}
