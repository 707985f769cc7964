package dev.imagegen.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.testing.FunctionalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The OpenAI Batch API client and its steps exist only in an openai-batch run's context, and the HTTP client only
 * where the model calls out: any other run would pay for a client it never uses (its set-up, and on JDK 17 0.3 s
 * at the JVM's exit while its selector thread sits in native code).
 */
class BatchStepsWiringFunctionalTests extends FunctionalTest {

    @ParameterizedTest
    @CsvSource({"placeholder, false, false", "openrouter, false, true", "openai-batch, true, true"})
    void onlyAnOpenAiBatchRunMakesTheBatchApiClientAndOnlyAModelThatCallsOutAnHttpClient(
            String provider, boolean batchApi, boolean http) throws Exception {
        Files.writeString(dir.resolve("prompts.csv"), "id,prompt\na,a red fox\n");
        Path file = Files.writeString(dir.resolve("job.yml"), """
                dataset: wiring
                source: { csv: prompts.csv, id-column: id }
                model: { provider: %s, name: some-model, api-key: test-key-123, base-url: %s }
                output: { dir: out }
                """.formatted(provider, server.baseUrl()));
        JobSpec spec = new JobSpecLoader().load(file, List.of());

        try (ConfigurableApplicationContext ctx = ImagegenApplication.start(
                spec,
                Map.of(
                        "IMAGEGEN_DB_URL",
                        db.url(),
                        "IMAGEGEN_DB_USER",
                        db.user(),
                        "IMAGEGEN_DB_PASSWORD",
                        db.password()))) {
            var beans = ctx.getBeanFactory();
            assertThat(beans.containsSingleton("openAiBatchApi")).isEqualTo(batchApi);
            assertThat(beans.containsSingleton("openAiBatchSteps")).isEqualTo(batchApi);
            assertThat(beans.containsSingleton("modelHttp")).isEqualTo(http);
        }
    }
}
