package dev.imagegen.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of bad CSV row is recorded with its line number and reason; the good rows still become images. */
class CsvRejectsFunctionalTests extends FunctionalTest {

    @Test
    void badRowsOfEveryKindAreRecordedAndTheRunCompletes() throws Exception {
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        line(csv, "id,prompt,style"); // 1
        line(csv, "ok1,a calm sea,oil"); // 2
        line(csv, "short,only two fields"); // 3
        csv.write("utf8,caf".getBytes(StandardCharsets.US_ASCII)); // 4: a lone continuation byte
        csv.write(new byte[] {(byte) 0xC3, (byte) 0x28});
        line(csv, " au lait,oil");
        line(csv, "ctl,a bell\u0007 rings,oil"); // 5
        line(csv, "nul,a cat,o\u0000il"); // 6
        line(csv, "empty,  ,oil"); // 7
        line(csv, "ok1,the same id again,oil"); // 8
        line(csv, "long," + "x".repeat(81) + ",oil"); // 9
        line(csv, "many,a,b,c"); // 10
        line(csv, "\"quoted\",\"open quote,oil"); // 11: an unclosed quote swallows the rest
        TestJob job = new TestJob(dir, db, """
                dataset: test
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt, max-prompt-length: 80 }
                model: { base-url: %s, api-key: k, prompt-template: "{prompt}, {style}" }
                run: { retry: { max-attempts: 2, initial-delay: 10ms } }
                output: { dir: out }
                """.formatted(server.baseUrl()));
        Files.write(dir.resolve("prompts.csv"), csv.toByteArray());

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image", String.class))
                .containsExactly("ok1");
        Map<Long, String> reasons = jdbc.query("SELECT line, reason FROM source_reject ORDER BY line", rs -> {
            Map<Long, String> m = new java.util.LinkedHashMap<>();
            while (rs.next()) {
                m.put(rs.getLong(1), rs.getString(2));
            }
            return m;
        });
        assertThat(reasons).containsOnlyKeys(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(reasons.get(3L)).isEqualTo("has 2 fields, the header has 3");
        assertThat(reasons.get(4L)).isEqualTo("not valid UTF-8 text");
        assertThat(reasons.get(5L)).isEqualTo("prompt contains control characters");
        assertThat(reasons.get(6L)).isEqualTo("column 'style' contains a NUL character");
        assertThat(reasons.get(7L)).isEqualTo("empty prompt in column 'prompt'");
        assertThat(reasons.get(8L)).startsWith("duplicate id");
        assertThat(reasons.get(9L)).contains("longer than source.max-prompt-length (80)");
        assertThat(reasons.get(10L)).isEqualTo("has 4 fields, the header has 3");
        assertThat(reasons.get(11L)).isEqualTo("a quoted field is not closed before the end of the file");
        assertThat(jdbc.queryForObject("SELECT content FROM source_reject WHERE line = 6", String.class))
                .isEqualTo("nul|a cat|o\uFFFDil");
        assertThat(jdbc.queryForObject("SELECT DISTINCT source FROM source_reject", String.class))
                .isEqualTo("prompts.csv");
    }

    @Test
    void anUnclosedQuoteInTheMiddleCostsAtMostAHundredLinesAndReadingGoesOn() throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\nbroken,\"an open quote\n");
        for (int i = 3; i <= 152; i++) {
            csv.append("p").append(i).append(",prompt on line ").append(i).append('\n');
        }
        Files.writeString(dir.resolve("prompts.csv"), csv);
        TestJob job = new TestJob(dir, db, """
                dataset: test
                source: { csv: prompts.csv, id-column: id }
                model: { provider: placeholder }
                output: { dir: out }
                """);

        TestJob.Result result = job.run("run");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT line || ' ' || reason FROM source_reject", String.class))
                .containsExactly("2 a quoted field is not closed within 100 lines; lines 2 to 102 are skipped");
        assertThat(jdbc.queryForObject("SELECT min(source_line) FROM prompt", Long.class))
                .isEqualTo(103L);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt", Long.class))
                .isEqualTo(50L);
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes((text + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
