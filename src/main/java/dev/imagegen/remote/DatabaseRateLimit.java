package dev.imagegen.remote;

import dev.imagegen.model.CallGate;
import dev.imagegen.model.SharedRateLimit;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import javax.sql.DataSource;

/**
 * {@code run.requests-per-minute} across the workers of a remote run: one bucket4j token bucket per job execution,
 * kept in the {@code rate_bucket} table. Each call takes its token in one short transaction (SELECT ... FOR UPDATE,
 * then UPDATE; no connection is held while waiting for the token), so all workers together stay under the limit
 * however many there are.
 */
final class DatabaseRateLimit implements SharedRateLimit {

    private final PostgreSQLSelectForUpdateBasedProxyManager<Long> buckets;
    private final long jobExecutionId;

    DatabaseRateLimit(DataSource dataSource, long jobExecutionId) {
        this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .table("rate_bucket")
                .build();
        this.jobExecutionId = jobExecutionId;
    }

    @Override
    public Bucket bucket(int requestsPerMinute) {
        return buckets.getProxy(jobExecutionId, () -> CallGate.configuration(requestsPerMinute));
    }
}
