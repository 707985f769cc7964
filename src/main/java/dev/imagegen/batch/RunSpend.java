package dev.imagegen.batch;

import org.springframework.jdbc.core.JdbcTemplate;

/** What a run (all its executions) has spent so far, from its image and failure rows. */
final class RunSpend {

    private RunSpend() {
    }

    static double of(JdbcTemplate jdbc, long instanceId) {
        Double d = jdbc.queryForObject("""
                SELECT (SELECT coalesce(sum(cost_usd), 0) FROM generated_image
                         WHERE job_instance_id = ? AND NOT adopted)
                     + (SELECT coalesce(sum(cost_usd), 0) FROM prompt_failure WHERE job_instance_id = ?)""",
                Double.class, instanceId, instanceId);
        return d == null ? 0 : d;
    }
}
