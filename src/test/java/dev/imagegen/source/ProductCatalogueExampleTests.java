package dev.imagegen.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestDatabase;
import dev.imagegen.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped example: sql/examples/product_catalog.sql loaded into a database, and jobs/products.yml run on it. */
class ProductCatalogueExampleTests extends FunctionalTest {

    @Test
    void theExampleJobStagesTheExampleCatalogue() throws Exception {
        TestDatabase catalog = TestDatabase.fresh();
        catalog.jdbc().execute(Files.readString(Path.of("sql/examples/product_catalog.sql")));

        TestJob.Result result = new TestJob(dir, db, "")
                .invoke(
                        "run",
                        "jobs/products.yml",
                        "--dry-run",
                        "--run-date",
                        "2025-06-01",
                        "--set",
                        "source.jdbc.url=" + catalog.url(),
                        "--set",
                        "output.dir=" + dir,
                        "--set",
                        "run.max-images=10",
                        "--set",
                        "run.concurrency=1");

        // All 5,000 rows are staged; generating the first 10 is enough here (max-images stops the run: exit 3).
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM prompt", Integer.class))
                .isEqualTo(4998);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image", Integer.class))
                .isEqualTo(10);
        assertThat(jdbc.queryForList(
                        "SELECT prompt_id || ': ' || reason FROM source_reject ORDER BY line", String.class))
                .containsExactly(
                        "SKU-0000013: no prompt (NULL) in column 'description'",
                        "SKU-0000042: empty prompt in column 'description'");
        Map<String, Object> first = jdbc.queryForMap("SELECT * FROM prompt WHERE prompt_id = 'SKU-0000001'");
        assertThat((String) first.get("rendered_prompt"))
                .startsWith("Product photo for an online shop: A rustic ")
                .contains("Category ")
                .endsWith("Plain light background, soft shadow, no text.");
        assertThat(first.get("attributes").toString())
                .contains("\"name\"", "\"category\"", "\"colour\"", "\"material\"");
    }
}
