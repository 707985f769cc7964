package dev.imagegen.cli;

import dev.imagegen.ExitCode;
import dev.imagegen.ImagegenApplication;
import dev.imagegen.catalog.RunRef;
import dev.imagegen.catalog.Runs;
import dev.imagegen.reconcile.ReconcileResult;
import dev.imagegen.reconcile.Reconciler;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "reconcile",
        mixinStandardHelpOptions = true,
        description = {
            "Replaces estimated costs by what OpenRouter billed: for every recorded call whose cost was "
                    + "estimated (the answer stated none) or only possibly billed (e.g. a timeout after the headers "
                    + "arrived) and that has a generation id, asks GET /generation?id= and records the billed cost "
                    + "(cost basis 'known'; the images' share of it too). Prints the difference per run and in total.",
            "Costs nothing: GET requests only, one at a time, at most run.requests-per-minute, waiting out a "
                    + "429's Retry-After. A generation OpenRouter does not know yet (404) is asked again after a "
                    + "few seconds, then left for a later reconcile. Restartable: each call is settled in its own "
                    + "transaction, so an interrupted reconcile continues where it stopped and a second one "
                    + "finds nothing to do. Calls whose answer never arrived have no generation id: they are "
                    + "reported as not reconcilable and stay estimated."
        },
        footer = {
            "",
            "Exit codes: 0 everything that can be reconciled was, 1 some calls are left (not yet "
                    + "available, provider errors): run it again later, 2 bad job file, provider or run id, 3 the key "
                    + "was refused.",
            "Example: imagegen reconcile jobs/demo.yml --run-id 2026-11-24"
        })
final class ReconcileCommand implements Callable<Integer> {

    @Mixin
    JobFileOptions job;

    @Option(
            names = "--run-id",
            paramLabel = "ID",
            description = "only this run's calls (default: every run of " + "the dataset)")
    String runId;

    @Override
    public Integer call() {
        JobSpec spec;
        try {
            spec = job.load();
            if (!spec.model().isOpenRouter()) {
                throw new JobFileException("model.provider: reconcile asks OpenRouter's GET /generation; provider '"
                        + spec.model().provider() + "' has no such record of what it billed");
            }
            if (!spec.model().apiKey().isPresent()) {
                throw new JobFileException("model.api-key: no API key; export it (e.g. OPENROUTER_API_KEY) so that "
                        + "the job file's api-key finds it");
            }
        } catch (JobFileException e) {
            return Console.usage(e);
        }
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            Long instance = null;
            if (runId != null) {
                Optional<RunRef> run = new Runs(jdbc).find(spec.dataset(), runId);
                if (run.isEmpty()) {
                    System.err.println("imagegen: dataset '" + spec.dataset() + "' has no run '" + runId + "'");
                    return ExitCode.USAGE;
                }
                instance = run.get().jobInstanceId();
            }
            Reconciler reconciler = Reconciler.standard(jdbc, ctx.getBean(PlatformTransactionManager.class), spec);
            ReconcileResult result = reconciler.reconcile(instance);
            System.out.print(result.render(reconciler.runIds(result.runs().keySet())));
            return result.exitCode();
        } catch (RuntimeException e) {
            return Console.failed("reconcile ", e);
        }
    }
}
