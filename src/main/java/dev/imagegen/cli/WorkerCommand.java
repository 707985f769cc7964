package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.remote.PartitionWorker;
import dev.imagegen.remote.WorkerSettings;
import dev.imagegen.run.Signals;
import dev.imagegen.spec.Durations;
import dev.imagegen.spec.JobFileException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Runs partitions of remote runs (imagegen run JOBFILE --workers remote) of any dataset, until "
                    + "stopped. It needs only the database (IMAGEGEN_DB_URL / IMAGEGEN_DB_USER / IMAGEGEN_DB_PASSWORD, "
                    + "the manager's) and the same filesystem as the manager: it reads each run's job file, CSV and "
                    + "output.dir at the paths the manager used, and the API key from its own environment.",
            "SIGTERM or SIGINT: take no more partitions, finish those in hand, exit 0. A second signal exits "
                    + "at once; the manager then fails the partitions this worker held once its lease has run "
                    + "out, and a restart of the run redoes them."
        },
        footer = {
            "",
            "Exit codes: 0 stopped by a signal after finishing its partitions, 1 failed (e.g. no database), "
                    + "2 bad options."
        })
final class WorkerCommand implements Callable<Integer> {

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "4",
            description = "partitions run at once, i.e. model calls in flight from this worker (default 4)")
    int concurrency;

    @Option(
            names = "--lease",
            paramLabel = "DURATION",
            defaultValue = "30s",
            description = "how long the manager waits for a sign of life before it fails this worker's partitions "
                    + "(renewed every third of it; default 30s). Once it has run out (the process stalled, or lost "
                    + "the database), the worker makes no more calls or commits for the partitions it held, and "
                    + "registers again")
    String lease;

    @Option(
            names = "--poll",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "how often to look for work when no notification arrives (default 5s; requests are "
                    + "normally noticed at once through LISTEN/NOTIFY)")
    String poll;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "a name for this worker in remote_worker and the logs (default: the host name); the "
                    + "process id and a random suffix are added")
    String name;

    @Override
    public Integer call() throws Exception {
        WorkerSettings settings;
        try {
            if (concurrency < 1 || concurrency > 256) {
                throw new JobFileException("--concurrency: " + concurrency + " must be from 1 to 256");
            }
            Duration leaseTime = Durations.parse("--lease", lease);
            Duration pollTime = Durations.parse("--poll", poll);
            if (leaseTime.toMillis() < 300 || pollTime.isZero()) {
                throw new JobFileException("--lease must be at least 300ms and --poll more than 0");
            }
            settings = new WorkerSettings(name, concurrency, leaseTime, pollTime);
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWorker()) {
            PartitionWorker worker = PartitionWorker.start(ctx, settings);
            Signals.install("finishing the partitions in hand, then leaving", signal -> worker.drain());
            worker.run();
            return ExitCode.COMPLETED;
        } catch (RuntimeException e) {
            return Console.failed("worker ", e);
        }
    }
}
