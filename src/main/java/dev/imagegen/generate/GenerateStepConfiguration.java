package dev.imagegen.generate;

import dev.imagegen.JobScoped;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.logging.RunLogFields;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.reference.ReferenceImage;
import dev.imagegen.remote.PartitionQueue;
import dev.imagegen.remote.RemoteManagerStep;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.store.ImageStore;
import java.sql.Array;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.database.JdbcPagingItemReader;
import org.springframework.batch.infrastructure.item.database.Order;
import org.springframework.batch.infrastructure.item.database.builder.JdbcPagingItemReaderBuilder;
import org.springframework.batch.infrastructure.item.database.support.PostgresPagingQueryProvider;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code generate} step: a partition manager that splits the pending prompts into {@code run.partitions} shares
 * and runs them on {@code run.concurrency} threads; each partition is an ordinary chunk step (pending prompts → model
 * → files + rows). Several small partitions per thread keep every thread busy until the work runs out: a thread whose
 * share is done takes the next one instead of idling while a large share finishes.
 *
 * <p>The chunk "transaction" is deliberately resourceless: a chunk spends most of its time waiting on the model, and
 * no database connection may be held meanwhile. The writer commits its rows in its own short transaction. That is
 * safe because the reader re-queries what is still pending (it keeps no position), and the processor adopts files
 * already on disk: a chunk that is replayed after a crash costs nothing.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
class GenerateStepConfiguration {

    static final String PARTITION_STEP = GeneratePartitions.STEP;

    @Bean
    @ConditionalOnProperty(name = GeneratePartitions.ONLY_PROPERTY, havingValue = "false", matchIfMissing = true)
    Step generateStep(
            JobRepository jobRepository,
            Step generatePartitionStep,
            JobSpec spec,
            ImageStore store,
            ObjectProvider<PartitionQueue> queue,
            JdbcTemplate jdbc,
            RunGuard guard) {
        StepExecutionListener sweep = new StepExecutionListener() {
            @Override
            public void beforeStep(StepExecution stepExecution) {
                // Left by a process killed mid-write; we hold the dataset lock, so nobody is writing now.
                store.removeStrayTempFiles();
            }
        };
        if (spec.run().remote()) {
            return RemoteManagerStep.build(
                    "generate",
                    PARTITION_STEP,
                    new PromptPartitioner(),
                    spec,
                    jobRepository,
                    queue.getObject(),
                    jdbc,
                    guard,
                    sweep,
                    new PendingWorkCounter(jdbc, spec, guard));
        }
        return new StepBuilder("generate", jobRepository)
                .listener(sweep)
                .partitioner(PARTITION_STEP, new PromptPartitioner())
                .splitter(GeneratePartitions.splitter(
                        jobRepository, new PromptPartitioner(), new PendingShares(jdbc, spec)))
                .step(generatePartitionStep)
                .gridSize(spec.run().partitions())
                .taskExecutor(partitionExecutor(spec.run().concurrency()))
                .listener(new PendingWorkCounter(jdbc, spec, guard))
                .build();
    }

    private static ThreadPoolTaskExecutor partitionExecutor(int threads) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(threads);
        executor.setMaxPoolSize(threads);
        executor.setThreadNamePrefix("generate-");
        executor.setDaemon(true);
        executor.initialize();
        return executor;
    }

    @Bean
    Step generatePartitionStep(
            JobRepository jobRepository,
            JdbcPagingItemReader<PendingPrompt> pendingPromptReader,
            ImageGenerationProcessor imageGenerationProcessor,
            OutcomeWriter outcomeWriter,
            JobSpec spec,
            RunGuard runGuard) {
        return new StepBuilder(PARTITION_STEP, jobRepository)
                .listener(new StepExecutionListener() {
                    @Override
                    public ExitStatus afterStep(StepExecution stepExecution) {
                        // Why a partition stopped or failed, where a remote run's manager can read it.
                        String why = runGuard.reason();
                        return why == null || stepExecution.getStatus() == BatchStatus.COMPLETED
                                ? null
                                : new ExitStatus(
                                        stepExecution.getExitStatus().getExitCode(), GeneratePartitions.REASON + why);
                    }
                })
                // the run's dataset, run id and execution id on the log lines of this partition's thread
                .listener(RunLogFields.partitionListener())
                .<PendingPrompt, PromptOutcome>chunk(spec.run().chunkSize())
                .transactionManager(connectionFreeChunks())
                .reader(pendingPromptReader)
                .processor(imageGenerationProcessor)
                .writer(outcomeWriter)
                .build();
    }

    /**
     * A chunk "transaction" that binds nothing to the thread. Without SYNCHRONIZATION_NEVER, Spring would bind the
     * reader's JDBC connection to the chunk and hold it until the chunk ends, i.e. across every model call in it.
     */
    private static ResourcelessTransactionManager connectionFreeChunks() {
        ResourcelessTransactionManager tm = new ResourcelessTransactionManager();
        tm.setTransactionSynchronization(AbstractPlatformTransactionManager.SYNCHRONIZATION_NEVER);
        return tm;
    }

    @Bean
    @StepScope
    JdbcPagingItemReader<PendingPrompt> pendingPromptReader(
            DataSource dataSource,
            JobSpec spec,
            JsonMapper json,
            @Value("#{stepExecution}") StepExecution stepExecution,
            @Value("#{stepExecutionContext['" + PromptPartitioner.INDEX + "']}") Integer index,
            @Value("#{stepExecutionContext['" + PromptPartitioner.COUNT + "']}") Integer count,
            @Value("#{jobParameters['" + RerunSelection.PARAMETER + "']}") String rerunKinds)
            throws Exception {
        long instanceId = stepExecution.getJobExecution().getJobInstance().getId();
        Map<String, Object> params = new HashMap<>(Map.of(
                "dataset",
                spec.dataset(),
                "instance",
                instanceId,
                "count",
                count,
                "index",
                index,
                "variants",
                spec.model().imagesPerPrompt()));
        PostgresPagingQueryProvider query = new PostgresPagingQueryProvider();
        query.setSelectClause("prompt_id, rendered_prompt, request_hash, reference_images, done");
        query.setFromClause(PENDING_PROMPTS.replace("/*only-failed*/", onlyFailed(rerunKinds, params)));
        query.setWhereClause("cardinality(done) < :variants");
        query.setSortKeys(Map.of("prompt_id", Order.ASCENDING));
        return new JdbcPagingItemReaderBuilder<PendingPrompt>()
                .name("pendingPrompts")
                .dataSource(dataSource)
                .queryProvider(query)
                .parameterValues(params)
                .pageSize(Math.max(spec.run().chunkSize(), 50))
                // No saved position: the query itself knows what is left, so a restart can never skip a prompt.
                .saveState(false)
                .rowMapper((rs, n) -> new PendingPrompt(
                        rs.getString("prompt_id"),
                        rs.getString("rendered_prompt"),
                        rs.getString("request_hash"),
                        variants(rs.getArray("done")),
                        references(json, rs.getString("reference_images"))))
                .build();
    }

    /**
     * The prompts of this partition staged by this run that still lack a variant for their current request hash,
     * minus those that failed for good earlier in this same run (a restart does not pay for a refusal twice;
     * transient failures are tried again).
     */
    /** The prompts of a run that still miss variants for their current request hash; {@code done} lists the rest. */
    static final String PENDING_PROMPTS = """
            (SELECT p.prompt_id, p.rendered_prompt, p.request_hash, p.reference_images, p.bucket,
                    ARRAY(SELECT g.variant FROM generated_image g
                           WHERE g.dataset = p.dataset AND g.prompt_id = p.prompt_id
                             AND g.request_hash = p.request_hash) AS done
               FROM prompt p
              WHERE p.dataset = :dataset AND p.staged_instance_id = :instance
                AND mod(p.bucket, :count) = :index
                AND NOT EXISTS (SELECT 1 FROM prompt_failure f
                                 WHERE f.dataset = p.dataset AND f.prompt_id = p.prompt_id
                                   AND f.job_instance_id = :instance AND f.resolved_at IS NULL
                                   AND f.kind NOT IN ('transient', 'rate_limited'))
                /*only-failed*/) pending""";

    /** rerun-failed: only prompts whose last attempt failed, optionally of some kinds. */
    static String onlyFailed(String rerunKinds, Map<String, Object> params) {
        if (rerunKinds == null) {
            return "";
        }
        String kinds = "";
        if (!rerunKinds.equals(RerunSelection.ALL_KINDS)) {
            params.put("kinds", List.of(rerunKinds.split(",")));
            kinds = " AND r.kind IN (:kinds)";
        }
        return "AND EXISTS (SELECT 1 FROM prompt_failure r WHERE r.dataset = p.dataset"
                + " AND r.prompt_id = p.prompt_id AND r.resolved_at IS NULL" + kinds + ")";
    }

    private static List<ReferenceImage> references(JsonMapper json, String text) {
        return text == null || text.equals("[]") ? List.of() : List.of(json.readValue(text, ReferenceImage[].class));
    }

    private static Set<Integer> variants(Array array) throws java.sql.SQLException {
        Integer[] values = (Integer[]) array.getArray();
        return new HashSet<>(Arrays.asList(values));
    }

    @Bean
    @StepScope
    ImageGenerationProcessor imageGenerationProcessor(
            RetryingImageModel imageModel,
            JobSpec spec,
            ImageStore imageStore,
            RunGuard runGuard,
            @Value("#{stepExecution}") StepExecution stepExecution,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            RunFence runFence) {
        return new ImageGenerationProcessor(
                imageModel,
                spec.model(),
                imageStore,
                runGuard,
                stepExecution,
                new CallRecorder(
                        jdbc,
                        new TransactionTemplate(transactionManager),
                        runGuard,
                        runFence,
                        spec.dataset(),
                        stepExecution));
    }

    @Bean
    @StepScope
    OutcomeWriter outcomeWriter(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            RunGuard runGuard,
            JobSpec spec,
            @Value("#{stepExecution}") StepExecution stepExecution,
            RunFence runFence) {
        return new OutcomeWriter(
                jdbc, new TransactionTemplate(transactionManager), runGuard, spec.dataset(), stepExecution, runFence);
    }

    @Bean
    RunGuard runGuard() {
        return new RunGuard();
    }
}
