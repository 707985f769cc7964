package dev.imagegen.source;

import dev.imagegen.JobScoped;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code stage} step: source rows → {@code prompt} table. It runs in real database transactions (no model calls
 * here), so the rows and the reader's restart position commit together.
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
class StageStepConfiguration {

    static final int STAGE_CHUNK = 2000;

    @Bean
    Step stageStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            SourceReader sourceReader,
            PromptTableWriter promptTableWriter,
            JdbcTemplate jdbc,
            JobSpec spec) {
        return new StepBuilder("stage", jobRepository)
                .listener(new StagingReuse(jdbc, transactionManager, spec))
                .<SourceRow, StagedRow>chunk(STAGE_CHUNK)
                .transactionManager(transactionManager)
                .reader(sourceReader)
                .processor(new PromptStager(spec))
                .writer(promptTableWriter)
                .build();
    }

    @Bean
    @StepScope
    SourceReader sourceReader(JobSpec spec) {
        return spec.source().isJdbc()
                ? new JdbcSource(spec.source()).reader()
                : SourceReader.of(new CsvSource(spec.source()).reader());
    }

    @Bean
    @StepScope
    PromptTableWriter promptTableWriter(
            JdbcTemplate jdbc, JsonMapper json, JobSpec spec, @Value("#{stepExecution}") StepExecution stepExecution) {
        return new PromptTableWriter(jdbc, json, spec, stepExecution);
    }
}
