package dev.imagegen.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.ImagegenApplication;
import dev.imagegen.testing.FunctionalTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring Batch looks up a step's executions once per partition of every split; its own schema would answer each by
 * reading every step execution ever recorded (migration V10 adds the indexes). With sequential scans priced out, the
 * planner must find an index for each of those lookups.
 */
class JobRepositoryIndexFunctionalTests extends FunctionalTest {

    @Test
    void theJobRepositorysStepLookupsAreServedByAnIndex() {
        System.setProperty("IMAGEGEN_DB_URL", db.url());
        System.setProperty("IMAGEGEN_DB_USER", db.user());
        System.setProperty("IMAGEGEN_DB_PASSWORD", db.password());
        try (ConfigurableApplicationContext ctx = ImagegenApplication.startWithoutJob()) {
            JdbcTemplate jdbc = ctx.getBean(JdbcTemplate.class);
            // The shapes of JdbcStepExecutionDao's GET_STEP_EXECUTIONS, GET_LAST_STEP_EXECUTION and
            // COUNT_STEP_EXECUTIONS.
            for (String query : List.of(
                    "SELECT step_execution_id FROM batch_step_execution WHERE job_execution_id = 7"
                            + " ORDER BY step_execution_id",
                    "SELECT se.step_execution_id FROM batch_job_execution je JOIN batch_step_execution se"
                            + " ON se.job_execution_id = je.job_execution_id"
                            + " WHERE je.job_instance_id = 3 AND se.step_name = 'generate-partition:p001'",
                    "SELECT count(*) FROM batch_job_execution je JOIN batch_step_execution se"
                            + " ON se.job_execution_id = je.job_execution_id"
                            + " WHERE je.job_instance_id = 3 AND se.step_name = 'generate-partition:p001'")) {
                String plan = jdbc.execute((java.sql.Connection c) -> {
                    try (var s = c.createStatement()) {
                        s.execute("SET enable_seqscan = off");
                        StringBuilder b = new StringBuilder();
                        try (var rs = s.executeQuery("EXPLAIN " + query)) {
                            while (rs.next()) {
                                b.append(rs.getString(1)).append('\n');
                            }
                        }
                        s.execute("RESET enable_seqscan");
                        return b.toString();
                    }
                });
                assertThat(plan).as(query).doesNotContain("Seq Scan");
            }
        } finally {
            System.clearProperty("IMAGEGEN_DB_URL");
            System.clearProperty("IMAGEGEN_DB_USER");
            System.clearProperty("IMAGEGEN_DB_PASSWORD");
        }
    }
}
