package dev.imagegen.cli;

import dev.imagegen.logging.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code imagegen}: the top-level command; each subcommand has its own {@code --help}. */
@Command(
        name = "imagegen",
        mixinStandardHelpOptions = true,
        version = "imagegen-batch 0.1.0",
        description = "Turns rows of prompts into an image dataset by calling an image model, restartably.",
        subcommands = {
            RunCommand.class,
            CheckCommand.class,
            RestartCommand.class,
            RerunFailedCommand.class,
            StatusCommand.class,
            ScheduleCommand.class,
            ReportCommand.class,
            ExportCommand.class,
            WorkerCommand.class,
            PlanCommand.class,
            ReconcileCommand.class,
            CancelCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 completed, 1 failed, 2 bad usage or job file, 3 stopped (budget, signal, "
                    + "provider refused the key or credits; restartable), 4 another run of the dataset is in progress, 5 batches "
                    + "submitted and still running (run --no-wait with openai-batch; the next run collects).",
            "Environment: OPENROUTER_API_KEY (or what the job file names), IMAGEGEN_DB_URL / IMAGEGEN_DB_USER / "
                    + "IMAGEGEN_DB_PASSWORD for an external PostgreSQL, IMAGEGEN_HOME for the embedded one's "
                    + "data (default .imagegen), IMAGEGEN_LOG_FORMAT (text or json), IMAGEGEN_PUSHGATEWAY "
                    + "(metrics.pushgateway)."
        })
public final class ImagegenCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Taken by every command (before or after its name); switches the log format as soon as it is parsed. */
    @CommandLine.Option(
            names = "--log-format",
            paramLabel = "text|json",
            scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:" + LogFormat.ENVIRONMENT + ":-text}",
            description = "log lines on standard error as text (default) or json: one JSON object per line with "
                    + "dataset, run_id and execution_id (default: $" + LogFormat.ENVIRONMENT + ")")
    void logFormat(String format) {
        try {
            LogFormat.parse(format).apply();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--log-format: " + e.getMessage());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. imagegen run jobs/demo.yml");
    }

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new ImagegenCommand());
        cli.setExitCodeExceptionMapper(e -> 1);
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("imagegen: " + ex.getMessage());
            ex.getCommandLine()
                    .getErr()
                    .println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                            + " --help' for more information.");
            return 2;
        });
        return cli.execute(args);
    }
}
