package dev.imagegen.metrics;

import dev.imagegen.JobScoped;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;

/** The run's figures and the listener that publishes them (the job takes every JobExecutionListener bean). */
@JobScoped
@Configuration(proxyBeanMethods = false)
class MetricsConfiguration {

    @Bean
    RunFigures runFigures(JdbcTemplate jdbc, RunGuard guard, JobSpec spec) {
        return new RunFigures(jdbc, guard, spec.run());
    }

    @Bean
    @Order(10)
    JobExecutionListener runMetrics(RunFigures figures, JobSpec spec) {
        return new RunMetrics(figures, spec.metrics());
    }
}
