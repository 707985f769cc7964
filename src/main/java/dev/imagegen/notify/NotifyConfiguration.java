package dev.imagegen.notify;

import dev.imagegen.JobScoped;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.metrics.RunFigures;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import tools.jackson.databind.json.JsonMapper;

/** The run's failure notice (the job takes every JobExecutionListener bean). */
@JobScoped
@Configuration(proxyBeanMethods = false)
class NotifyConfiguration {

    @Bean
    @Order(20)
    JobExecutionListener failureNotice(JobSpec spec, RunFigures figures, RunGuard guard, JsonMapper json) {
        return new FailureNotice(spec, figures, guard, json);
    }
}
