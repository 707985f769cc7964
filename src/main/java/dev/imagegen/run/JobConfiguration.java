package dev.imagegen.run;

import dev.imagegen.JobScoped;
import dev.imagegen.batch.BatchSteps;
import dev.imagegen.catalog.Runs;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.limits.Totals;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The job: {@code stage} (source → prompt table), then {@code generate} (partitioned model calls) — or, for a batch
 * provider, {@code submit}, {@code wait} and {@code collect} ({@code dev.imagegen.batch}).
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
class JobConfiguration {

    @Bean
    Job imagegenJob(
            JobRepository jobRepository,
            Step stageStep,
            Step generateStep,
            RunGuard guard,
            JobSpec spec,
            ObjectProvider<JobExecutionListener> observers,
            JdbcTemplate jdbc,
            ObjectProvider<BatchSteps> batchSteps) {
        JobBuilder job = new JobBuilder(Runs.JOB_NAME, jobRepository).listener(new JobExecutionListener() {
            @Override
            public void beforeJob(JobExecution jobExecution) {
                // The budget and max-images are the run's: what its earlier executions spent and stored
                // (the ledger) counts from the start, so a restart goes on with what is left.
                Ledger.Spend before =
                        Ledger.ofRun(jdbc, jobExecution.getJobInstance().getId());
                guard.reset(spec.run(), new Totals(before.totalUsd().doubleValue(), before.images(), 0));
            }

            @Override
            public void afterJob(JobExecution jobExecution) {
                // Why it stopped, where the scheduler and `status` read it (budget, key, credits, ...).
                StopSignal.Cause cause = guard.cause();
                if (cause != null) {
                    ExitStatus was = jobExecution.getExitStatus();
                    jobExecution.setExitStatus(new ExitStatus(was.getExitCode(), cause.mark() + " " + guard.reason())
                            .addExitDescription(was.getExitDescription()));
                }
            }
        });
        // Whoever watches a run (log fields, metrics, failure notice): every JobExecutionListener bean, in order.
        observers.orderedStream().forEach(job::listener);
        SimpleJobBuilder steps = job.start(stageStep);
        if (spec.model().isBatch()) {
            for (Step step : batchSteps.getObject().steps()) {
                steps = steps.next(step);
            }
            return steps.build();
        }
        return steps.next(generateStep).build();
    }
}
