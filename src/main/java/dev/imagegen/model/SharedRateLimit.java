package dev.imagegen.model;

import io.github.bucket4j.Bucket;

/**
 * Where {@code run.requests-per-minute} is counted when several processes call the model for one run (remote
 * workers): a bucket they all draw from, so the limit is the run's and not each process's.
 */
public interface SharedRateLimit {

    /** The run's bucket, created with {@link CallGate#configuration(int)} if it does not exist yet. */
    Bucket bucket(int requestsPerMinute);
}
