package dev.imagegen.remote;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.Step;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A worker's runs: for each job execution it has partitions of, a small child Spring context built from that run's
 * job file ({@link WorkerConfiguration}: the partition step, its reader, processor and writer, the model client with
 * its call gate, the image store and the run guard), on top of the worker's own context (database, job repository).
 * Partitions of the same run share it, as they share one context in a local run; it is closed when the run has ended
 * and none of its partitions is running here.
 */
final class PartitionContexts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartitionContexts.class);

    private final ConfigurableApplicationContext parent;
    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private final int concurrency;
    private final Supplier<WorkerLease> lease;
    private final Map<Long, Run> runs = new HashMap<>();

    /** @param lease the worker's lease of the moment: its partitions are fenced by it */
    PartitionContexts(ConfigurableApplicationContext parent, int concurrency, Supplier<WorkerLease> lease) {
        this.parent = parent;
        this.jdbc = parent.getBean(JdbcTemplate.class);
        this.dataSource = parent.getBean(DataSource.class);
        this.concurrency = concurrency;
        this.lease = lease;
    }

    /** One run as this worker sees it. */
    static final class Run {
        private final long executionId;
        private final AnnotationConfigApplicationContext context;
        private final RunTotals totals;
        private final Step step;
        private int active;

        private Run(long executionId, AnnotationConfigApplicationContext context, RunTotals totals) {
            this.executionId = executionId;
            this.context = context;
            this.totals = totals;
            this.step = context.getBean(Step.class); // the only step of a WorkerConfiguration
        }

        Step step() {
            return step;
        }

        private void close() {
            totals.close();
            context.close();
        }
    }

    /** The run of a partition, built on its first partition here; pair with {@link #release(Run)}. */
    synchronized Run acquire(JobExecution execution) {
        Run run = runs.get(execution.getId());
        if (run == null) {
            run = open(execution);
            runs.put(execution.getId(), run);
        }
        run.active++;
        return run;
    }

    synchronized void release(Run run) {
        run.active--;
        closeEnded();
    }

    /** Closes the contexts of runs that have ended and have no partition running here. */
    synchronized void closeEnded() {
        for (Iterator<Run> it = runs.values().iterator(); it.hasNext(); ) {
            Run run = it.next();
            if (run.active == 0 && !running(run.executionId)) {
                it.remove();
                run.close();
                log.info("execution {} has ended; its context is closed", run.executionId);
            }
        }
    }

    private boolean running(long executionId) {
        String status = jdbc.queryForObject(
                "SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class, executionId);
        return "STARTING".equals(status) || "STARTED".equals(status) || "STOPPING".equals(status);
    }

    private Run open(JobExecution execution) {
        JobSpec spec = RemoteJobFile.load(execution.getJobParameters(), concurrency);
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.setParent(parent);
        context.setDisplayName("imagegen run " + spec.dataset() + " (execution " + execution.getId() + ")");
        context.getEnvironment()
                .getPropertySources()
                // The worker's own context has no job file; this one does.
                .addFirst(
                        new MapPropertySource("imagegen-partitions", Map.of(ImagegenApplication.JOB_PROPERTY, "true")));
        context.getBeanFactory().registerSingleton("jobSpec", spec);
        context.getBeanFactory()
                .registerSingleton("sharedRateLimit", new DatabaseRateLimit(dataSource, execution.getId()));
        context.getBeanFactory().registerSingleton("runFence", new ClaimFence(jdbc, lease.get()));
        context.register(WorkerConfiguration.class);
        context.refresh();
        RunGuard guard = context.getBean(RunGuard.class);
        guard.reset(spec.run());
        log.info(
                "execution {} of dataset {}: partitions run here with {}",
                execution.getId(),
                spec.dataset(),
                spec.file());
        return new Run(execution.getId(), context, new RunTotals(jdbc, execution.getId(), guard));
    }

    @Override
    public synchronized void close() {
        runs.values().forEach(Run::close);
        runs.clear();
    }
}
