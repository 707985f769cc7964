package dev.imagegen.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code imagegen}: the top-level command; each subcommand has its own {@code --help}. */
@Command(name = "imagegen", mixinStandardHelpOptions = true, version = "imagegen-batch 0.1.0",
        description = "Turns rows of prompts into an image dataset by calling an image model, restartably.",
        subcommands = {RunCommand.class, CheckCommand.class, RestartCommand.class, RerunFailedCommand.class,
                StatusCommand.class, ScheduleCommand.class, ReportCommand.class, ExportCommand.class,
                WorkerCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 completed, 1 failed, 2 bad usage or job file, 3 stopped (budget, signal, "
                + "provider refused the key or credits; restartable), 4 another run of the dataset is in progress.",
                "Environment: OPENROUTER_API_KEY (or what the job file names), IMAGEGEN_DB_URL / IMAGEGEN_DB_USER / "
                        + "IMAGEGEN_DB_PASSWORD for an external PostgreSQL, IMAGEGEN_HOME for the embedded one's "
                        + "data (default .imagegen)."})
public final class ImagegenCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help' for more information.");
            return 2;
        });
        return cli.execute(args);
    }
}
