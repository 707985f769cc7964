package dev.imagegen.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code model.prompt-template} renders is what is sent; a row it renders to nothing is rejected, not sent. */
class PromptTemplateFunctionalTests extends FunctionalTest {

    private TestJob job(String template) {
        return new TestJob(dir, db, """
                dataset: t
                source: { csv: prompts.csv, id-column: sku, prompt-column: descr }
                model: { base-url: %s, api-key: k, seed: 1, prompt-template: "%s" }
                run: { retry: { max-attempts: 2, initial-delay: 10ms } }
                output: { dir: out }
                """.formatted(server.baseUrl(), template));
    }

    @Test
    void thePromptAndIdColumnsCanBeNamedInTheTemplate() throws Exception {
        Files.writeString(dir.resolve("prompts.csv"), """
                sku,descr,style
                s1,a red kettle,studio
                s2,a blue chair,outdoor
                """);

        TestJob.Result result =
                job("{descr}, {style} photo, item {sku} ({prompt})").run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(server.received())
                .extracting(FakeOpenRouter.Call::prompt)
                .containsExactlyInAnyOrder(
                        "a red kettle, studio photo, item s1 (a red kettle)",
                        "a blue chair, outdoor photo, item s2 (a blue chair)");
        assertThat(jdbc.queryForList("SELECT rendered_prompt FROM prompt ORDER BY prompt_id", String.class))
                .containsExactly(
                        "a red kettle, studio photo, item s1 (a red kettle)",
                        "a blue chair, outdoor photo, item s2 (a blue chair)");
    }

    @Test
    void aRowTheTemplateRendersToNothingIsRejectedNotSent() throws Exception {
        Files.writeString(dir.resolve("prompts.csv"), """
                sku,descr,style
                s1,a red kettle,a studio photo of a kettle
                s2,a blue chair,
                s3,a green lamp,"   "
                s4,a grey sofa,a sofa in a loft
                """);

        TestJob.Result result = job("{style}").run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(server.received())
                .extracting(FakeOpenRouter.Call::prompt)
                .containsExactlyInAnyOrder("a studio photo of a kettle", "a sofa in a loft");
        List<Map<String, Object>> rejects =
                jdbc.queryForList("SELECT line, prompt_id, reason FROM source_reject " + "ORDER BY line");
        assertThat(rejects).extracting(r -> r.get("line")).containsExactly(3L, 4L);
        assertThat(rejects).extracting(r -> r.get("prompt_id")).containsExactly("s2", "s3");
        assertThat(rejects)
                .extracting(r -> r.get("reason"))
                .containsOnly("the rendered prompt is empty: "
                        + "model.prompt-template '{style}' gives nothing for this row");
        assertThat(jdbc.queryForList("SELECT prompt_id FROM prompt ORDER BY 1", String.class))
                .containsExactly("s1", "s4");
    }
}
