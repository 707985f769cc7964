package dev.imagegen.logging;

import dev.imagegen.JobScoped;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** The log fields of the process's run: the dataset once its job file is loaded, then each run as it starts. */
@JobScoped
@Configuration(proxyBeanMethods = false)
class LoggingConfiguration {

    @Bean
    @Order(0)
    JobExecutionListener runLogFields(JobSpec spec) {
        RunLogFields.dataset(spec.dataset());
        return new JobExecutionListener() {
            @Override
            public void beforeJob(JobExecution jobExecution) {
                RunLogFields.run(jobExecution);
            }
        };
    }
}
