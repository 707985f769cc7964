package dev.imagegen.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** Prompts from a table in another PostgreSQL database than the job's, through the real command line. */
class JdbcSourceFunctionalTests extends FunctionalTest {

    private static final String PASSWORD = "s3cret-source-pw";

    /** The database the prompts come from (not the job's). */
    private TestDatabase source;

    private JdbcTemplate sourceJdbc;

    @BeforeEach
    void start() {
        server.imageBytes(256);
        source = TestDatabase.fresh();
        sourceJdbc = source.jdbc();
        sourceJdbc.execute("""
                CREATE TABLE product (sku text, description text, category text, colour text, weight_kg numeric(6, 1));
                INSERT INTO product
                SELECT format('SKU-%s', lpad(n::text, 5, '0')), format('a %s product number %s', c, n), c,
                       (ARRAY['red', 'green', 'blue'])[1 + n % 3], n / 10.0
                  FROM generate_series(1, 5000) n, LATERAL (SELECT (ARRAY['lamp', 'chair', 'mug'])[1 + n % 3] c) x
                """);
    }

    @Test
    void fiveThousandPromptsFromATableThenTheNextNightGeneratesExactlyTheHundredNewOnes() throws Exception {
        TestJob job = job("SELECT sku, description, category, colour, weight_kg FROM product ORDER BY sku", "");

        TestJob.Result first = job.run("run", "--run-date", "2025-06-01");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(5000);
        assertThat(server.calls()).isEqualTo(5000);
        Map<String, Object> row = jdbc.queryForMap("SELECT * FROM prompt WHERE prompt_id = 'SKU-00007'");
        assertThat(row.get("rendered_prompt")).isEqualTo("a chair product number 7, studio photo, green");
        assertThat(row.get("attributes").toString())
                .isEqualTo("{\"colour\": \"green\", \"category\": \"chair\", \"weight_kg\": \"0.7\"}");
        assertThat(row.get("source_line")).isEqualTo(7L);

        sourceJdbc.execute("""
                INSERT INTO product SELECT format('NEW-%s', n), format('a new lamp %s', n), 'lamp', 'white', 1
                  FROM generate_series(1, 100) n""");
        TestJob.Result next = job.run("run", "--run-date", "2025-06-02");

        assertThat(next.exitCode()).as(next.toString()).isZero();
        assertThat(server.calls()).isEqualTo(5100);
        assertThat(server.billedGenerations())
                .hasSize(5100)
                .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(jdbc.queryForList("""
                SELECT g.prompt_id FROM generated_image g JOIN batch_job_execution e
                    ON e.job_execution_id = g.job_execution_id
                  JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                 WHERE p.parameter_name = 'run.id' AND p.parameter_value = '2025-06-02'""", String.class))
                .hasSize(100)
                .allSatisfy(id -> assertThat(id).startsWith("NEW-"));

        TestJob.Result again = job.run("run", "--run-date", "2025-06-02");
        assertThat(again.exitCode()).isZero();
        assertThat(again.stderr()).contains("already completed");
        assertThat(server.calls()).isEqualTo(5100);
    }

    @Test
    void badRowsAreRecordedWithTheirRowNumberAndTheRunCompletes() throws Exception {
        sourceJdbc.execute("""
                CREATE TABLE messy (pos int, sku text, description text, colour text);
                INSERT INTO messy VALUES
                  (1, 'ok-1', 'a red lamp', 'red'),
                  (2, 'null-prompt', NULL, 'red'),
                  (3, 'empty-prompt', '   ', 'red'),
                  (4, 'ok-1', 'the same id again', 'red'),
                  (5, 'too-long', repeat('x', 81), 'red'),
                  (6, 'control', 'a bell' || chr(7) || ' rings', 'red'),
                  (7, NULL, 'no id', 'red'),
                  (8, 'ok-2', 'a blue chair', 'blue')""");
        TestJob job = job("SELECT sku, description, colour FROM messy ORDER BY pos", "  max-prompt-length: 80\n");

        TestJob.Result result = job.run("run", "--run-date", "2025-06-01");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(jdbc.queryForList("SELECT prompt_id FROM generated_image", String.class))
                .containsExactlyInAnyOrder("ok-1", "ok-2");
        assertThat(jdbc.queryForList("SELECT line || ' ' || reason FROM source_reject ORDER BY line", String.class))
                .containsExactly(
                        "2 no prompt (NULL) in column 'description'",
                        "3 empty prompt in column 'description'",
                        "4 duplicate id: an earlier row of this source has the same id (the first one is used)",
                        "5 prompt of 81 characters is longer than source.max-prompt-length (80)",
                        "6 prompt contains control characters",
                        "7 empty id in column 'sku'");
        assertThat(jdbc.queryForList("SELECT DISTINCT source FROM source_reject", String.class))
                .containsExactly(source.url().substring("jdbc:".length()) + " as user postgres");
        assertThat(jdbc.queryForObject("SELECT prompt FROM prompt WHERE prompt_id = 'ok-1'", String.class))
                .isEqualTo("a red lamp");
        assertThat(result.stdout()).contains("6 rows rejected");
    }

    @Test
    void aWrongQueryOrAnUnreachableSourceIsAClearErrorThatNamesTheTargetButNotThePassword() throws Exception {
        TestJob wrongQuery = job("SELECT sku, nope, colour FROM product", "");
        TestJob.Result badQuery = wrongQuery.run("run", "--run-date", "2025-06-01");
        assertThat(badQuery.exitCode()).isEqualTo(1);
        assertThat(badQuery.stderr())
                .contains("source query")
                .contains("column \"nope\" does not exist")
                .contains(source.url().substring("jdbc:".length()) + " as user postgres")
                .doesNotContain(PASSWORD);

        TestJob unreachable = job("SELECT sku, description, colour FROM product", "");
        unreachable.yaml(unreachable
                .yaml()
                .replace(
                        source.url(),
                        "jdbc:postgresql://127.0.0.1:1/catalog?password=" + PASSWORD + "&sslmode=disable"));
        TestJob.Result down = unreachable.run("run", "--run-date", "2025-06-01");
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.stderr())
                .contains("cannot connect to the source database")
                .contains("postgresql://127.0.0.1:1/catalog?sslmode=disable as user postgres")
                .doesNotContain(PASSWORD);

        TestJob.Result check = unreachable.run("check");
        assertThat(check.exitCode()).isEqualTo(1);
        assertThat(check.stderr())
                .contains("cannot connect to the source database")
                .doesNotContain(PASSWORD);

        TestJob wrongColumn = job("SELECT sku, description AS text, colour FROM product", "");
        TestJob.Result column = wrongColumn.run("run", "--run-date", "2025-06-01");
        assertThat(column.exitCode()).isEqualTo(2);
        assertThat(column.stderr()).contains("source.prompt-column").contains("[sku, text, colour]");

        TestJob fixed = job("SELECT sku, description, colour FROM product WHERE sku < 'SKU-00004'", "");
        TestJob.Result sameNight = fixed.run("run", "--run-date", "2025-06-01");
        assertThat(sameNight.exitCode()).as(sameNight.toString()).isZero();
        assertThat(count("SELECT count(*) FROM generated_image")).isEqualTo(3);
    }

    @Test
    void aSourceFailingMidStreamFailsTheRunAndTheSameNightResumesStagingWhereItStopped() throws Exception {
        sourceJdbc.execute("CREATE TABLE outage (down boolean); INSERT INTO outage VALUES (true)");
        // Row 2100 cannot be computed while the "outage" lasts: the cursor fails part-way through the table. (No
        // ORDER BY: a sort would compute every row before the first one is sent; the table is in sku order anyway.)
        TestJob job = job("""
                SELECT sku, colour,
                       CASE WHEN sku = 'SKU-02100' AND (SELECT down FROM outage) THEN (1 / (length(sku) - 9))::text
                            ELSE description END AS description
                  FROM product WHERE sku <= 'SKU-02200'""", "");

        TestJob.Result failed = job.run("run", "--run-date", "2025-06-01");

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.stdout())
                .contains("FAILED")
                .contains("division by zero")
                .contains("source query")
                .doesNotContain(PASSWORD);
        long stagedBefore = count("SELECT count(*) FROM prompt");
        assertThat(stagedBefore).isPositive().isLessThan(2100);
        assertThat(server.calls()).isZero();

        sourceJdbc.execute("UPDATE outage SET down = false");
        TestJob.Result resumed = job.run("run", "--run-date", "2025-06-01");

        assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
        assertThat(count("SELECT count(*) FROM prompt")).isEqualTo(2200);
        assertThat(count("SELECT count(*) FROM source_reject")).isZero();
        assertThat(server.calls()).isEqualTo(2200);
        assertThat(jdbc.queryForList("""
                SELECT s.read_count FROM batch_step_execution s WHERE s.step_name = 'stage'
                 ORDER BY s.step_execution_id""", Long.class)).hasSize(2).last().isEqualTo(2200 - stagedBefore);
        assertThat(count("SELECT count(DISTINCT job_instance_id) FROM batch_job_execution"))
                .isEqualTo(1);
    }

    private TestJob job(String query, String extraSource) {
        return new TestJob(dir, db, """
                dataset: test
                source:
                  jdbc:
                    url: "%s"
                    user: postgres
                    password: "%s"
                    query: "%s"
                    fetch-size: 500
                  id-column: sku
                  prompt-column: description
                %s
                model:
                  base-url: %s
                  api-key: test-key
                  prompt-template: "{prompt}, studio photo, {colour}"
                  timeout: 10s
                run: { concurrency: 8, chunk-size: 50, retry: { max-attempts: 2, initial-delay: 10ms } }
                output: { dir: out }
                """.formatted(
                source.url(), PASSWORD, query.replace("\n", " ").replace("\"", "\\\""), extraSource, server.baseUrl()));
    }

    private long count(String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? 0 : n;
    }
}
