package dev.imagegen.generate;

import dev.imagegen.JobScoped;
import dev.imagegen.catalog.PendingPrompts;
import dev.imagegen.catalog.RerunSelection;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.logging.RunLogFields;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.reference.ReferenceImage;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.store.ImageStore;
import java.sql.Array;
import java.util.Arrays;
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
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The generate step's partition step ({@value GeneratePartitions#STEP}): an ordinary chunk step, pending prompts
 * ({@link PendingPrompts}) → model → files + rows, with the run guard that limits it. A local run's manager step
 * ({@code GenerateStepConfiguration}) runs it on its own threads; a remote run's workers import this configuration
 * into each run's context and run it there.
 *
 * <p>The chunk "transaction" is deliberately resourceless: a chunk spends most of its time waiting on the model, and
 * no database connection may be held meanwhile. The writer commits its rows in its own short transaction. That is
 * safe because the reader re-queries what is still pending (it keeps no position), and the processor adopts files
 * already on disk: a chunk that is replayed after a crash costs nothing.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
public class PartitionStepConfiguration {

    @Bean
    Step generatePartitionStep(
            JobRepository jobRepository,
            JdbcPagingItemReader<PendingPrompt> pendingPromptReader,
            ImageGenerationProcessor imageGenerationProcessor,
            OutcomeWriter outcomeWriter,
            JobSpec spec,
            RunGuard runGuard) {
        return new StepBuilder(GeneratePartitions.STEP, jobRepository)
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
        PendingPrompts pending = PendingPrompts.ofPartition(
                spec.dataset(),
                stepExecution.getJobExecution().getJobInstance().getId(),
                spec.model().imagesPerPrompt(),
                index,
                count,
                rerunKinds);
        PostgresPagingQueryProvider query = new PostgresPagingQueryProvider();
        query.setSelectClause(PendingPrompts.COLUMNS);
        query.setFromClause(pending.from());
        query.setWhereClause(PendingPrompts.WHERE);
        query.setSortKeys(Map.of("prompt_id", Order.ASCENDING));
        return new JdbcPagingItemReaderBuilder<PendingPrompt>()
                .name("pendingPrompts")
                .dataSource(dataSource)
                .queryProvider(query)
                .parameterValues(pending.params())
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
