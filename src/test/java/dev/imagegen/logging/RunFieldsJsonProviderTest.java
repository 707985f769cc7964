package dev.imagegen.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The run's fields on a JSON line: a partition's thread (a worker runs partitions of several runs) has its run in
 * the MDC, which wins over the process's run; each field is written once.
 */
class RunFieldsJsonProviderTest {

    private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    private final LogstashEncoder encoder = new LogstashEncoder();

    RunFieldsJsonProviderTest() {
        encoder.setContext(context);
        for (String key : RunLogFields.KEYS) {
            encoder.addExcludeMdcKeyName(key); // as logback.xml configures it
        }
        RunFieldsJsonProvider provider = new RunFieldsJsonProvider();
        provider.setContext(context);
        encoder.addProvider(provider);
        encoder.start();
    }

    @AfterEach
    void noRun() {
        RunLogFields.clear();
    }

    private JsonNode line() {
        Logger logger = context.getLogger("test");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "hello", null, null);
        String json = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(json.split("\"dataset\"", -1)).as(json).hasSizeLessThanOrEqualTo(2);
        return JsonMapper.builder().build().readTree(json);
    }

    private static StepExecution partitionOf(String dataset, String runId, long executionId) {
        JobExecution job = new JobExecution(
                executionId,
                new JobInstance(1L, "imagegen"),
                new JobParametersBuilder()
                        .addString("dataset", dataset)
                        .addString("run.id", runId)
                        .toJobParameters());
        return new StepExecution(executionId * 10, "generate-partition:partition0", job);
    }

    @Test
    void aPartitionsThreadCarriesItsOwnRunAndOtherThreadsTheProcesss() {
        RunLogFields.dataset("nightly");
        assertThat(line().path("dataset").asString()).isEqualTo("nightly");
        assertThat(line().has("run_id")).isFalse();

        var listener = RunLogFields.partitionListener();
        StepExecution partition = partitionOf("other", "2026-06-01", 42);
        listener.beforeStep(partition);
        try {
            JsonNode l = line();
            assertThat(l.path("dataset").asString()).isEqualTo("other");
            assertThat(l.path("run_id").asString()).isEqualTo("2026-06-01");
            assertThat(l.path("execution_id").isNumber()).isTrue();
            assertThat(l.path("execution_id").asLong()).isEqualTo(42);
        } finally {
            listener.afterStep(partition);
        }
        assertThat(line().path("dataset").asString()).isEqualTo("nightly");
        assertThat(line().has("execution_id")).isFalse();
    }
}
