package dev.imagegen.batch;

import dev.imagegen.JobScoped;
import dev.imagegen.generate.OutcomeWriter;
import dev.imagegen.generate.PromptOutcome;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.store.ImageStore;
import java.util.List;
import java.util.concurrent.Future;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The steps that replace {@code generate} for {@code model.provider: openai-batch}: {@code submit}, {@code wait},
 * {@code collect}. Each is restartable from the tables alone (V8): a step repeated after a crash finds what was done.
 * Like the generate partitions, no step holds a database connection while it talks to OpenAI: their Spring Batch
 * "transactions" are resourceless, and every write commits on its own (collect: with the generate step's writer).
 * The tasklets' resourceless transactions keep synchronization on, which Spring Batch's tasklet step needs;
 * {@link Batches} runs every access in a transaction of its own, so no connection is bound to them either.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
class BatchStepsConfiguration {

    /**
     * Results held in memory at once: a line is one image (up to several MB), so a chunk stays small; big enough
     * that a commit and a round of directory fsyncs serve many images.
     */
    static final int COLLECT_CHUNK = 32;

    /**
     * Lazy, like the steps that use it: only an openai-batch run asks for them, and an HTTP client made for nothing
     * costs its set-up and, on JDK 17, holds the JVM's exit for 0.3 s (its selector thread waits in native code). It
     * shares the run's client ({@code ModelConfiguration}), which the context closes.
     */
    @Bean
    @Lazy
    OpenAiBatchApi openAiBatchApi(JobSpec spec, JsonMapper json, ModelHttp.Lease http) {
        return new OpenAiBatchApi(spec.model(), spec.run().retry(), http.http(), json);
    }

    @Bean
    Batches batches(JdbcTemplate jdbc, PlatformTransactionManager tm) {
        return new Batches(jdbc, new TransactionTemplate(tm));
    }

    @Bean
    BatchRunState batchRunState() {
        return new BatchRunState();
    }

    /** The run's batch state belongs to one execution. */
    @Bean
    JobExecutionListener batchRunStateReset(BatchRunState state) {
        return new JobExecutionListener() {
            @Override
            public void beforeJob(JobExecution jobExecution) {
                state.reset();
            }
        };
    }

    @Bean
    @Lazy
    BatchSteps openAiBatchSteps(
            JobRepository jobRepository,
            JobSpec spec,
            OpenAiBatchApi api,
            Batches batches,
            JdbcTemplate jdbc,
            JsonMapper json,
            RunGuard guard,
            BatchRunState state,
            PlatformTransactionManager tm,
            RunFence fence,
            CollectReader collectReader,
            CollectProcessor collectProcessor,
            CollectWriter collectWriter) {
        SubmitTasklet submit = new SubmitTasklet(
                spec,
                api,
                batches,
                jdbc,
                json,
                guard,
                state,
                step -> new OutcomeWriter(
                        jdbc,
                        new TransactionTemplate(tm),
                        guard,
                        spec.dataset(),
                        step,
                        fence,
                        OutcomeWriter.AlsoInCommit.NOTHING));
        Step submitStep = new StepBuilder("submit", jobRepository)
                .tasklet(submit, new ResourcelessTransactionManager())
                .build();
        Step waitStep = new StepBuilder("wait", jobRepository)
                .tasklet(new WaitTasklet(spec, api, batches, guard), new ResourcelessTransactionManager())
                .build();
        Step collectStep = new StepBuilder("collect", jobRepository)
                .<BatchLine, Future<PromptOutcome>>chunk(COLLECT_CHUNK)
                .transactionManager(connectionFree())
                .reader(collectReader)
                .processor(collectProcessor)
                .writer(collectWriter)
                .build();
        return new BatchSteps(List.of(submitStep, waitStep, collectStep));
    }

    @Bean
    @StepScope
    CollectReader collectReader(
            JobSpec spec,
            OpenAiBatchApi api,
            Batches batches,
            JsonMapper json,
            RunGuard guard,
            BatchRunState state,
            @Value("#{stepExecution}") StepExecution stepExecution) {
        return new CollectReader(spec, api, batches, json, guard, state, stepExecution);
    }

    @Bean
    @StepScope
    CollectProcessor collectProcessor(
            JobSpec spec, ImageStore store, RunGuard guard, @Value("#{stepExecution}") StepExecution stepExecution) {
        return new CollectProcessor(spec.model(), store, guard, stepExecution, COLLECT_CHUNK);
    }

    @Bean
    @StepScope
    CollectWriter collectWriter(
            CollectProcessor collectProcessor,
            Batches batches,
            JdbcTemplate jdbc,
            PlatformTransactionManager tm,
            RunGuard guard,
            JobSpec spec,
            RunFence fence,
            @Value("#{stepExecution}") StepExecution stepExecution) {
        CollectWriter writer = new CollectWriter(collectProcessor, batches);
        writer.outcomeWriter(new OutcomeWriter(
                jdbc, new TransactionTemplate(tm), guard, spec.dataset(), stepExecution, fence, writer.marks()));
        return writer;
    }

    /** A step "transaction" that binds no connection (see GenerateStepConfiguration). */
    private static ResourcelessTransactionManager connectionFree() {
        ResourcelessTransactionManager tm = new ResourcelessTransactionManager();
        tm.setTransactionSynchronization(AbstractPlatformTransactionManager.SYNCHRONIZATION_NEVER);
        return tm;
    }
}
