package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.positive;

import java.time.Duration;

/** The job file's {@code model.batch:} section (the openai-batch provider). */
final class BatchSection {

    private BatchSection() {}

    /** {@code model.batch}: only for the openai-batch provider; every key has a default. */
    static BatchSpec read(String provider, RawJobFile.Batch b) {
        if (b == null) {
            return BatchSpec.DEFAULTS;
        }
        if (!provider.equals(ModelSpec.OPENAI_BATCH)) {
            throw new JobFileException("model.batch: only the openai-batch provider submits batches; remove it "
                    + "for provider " + provider);
        }
        BatchSpec d = BatchSpec.DEFAULTS;
        int requests = positive("model.batch.max-requests", b.maxRequests(), d.maxRequests());
        if (requests > BatchSpec.API_MAX_REQUESTS) {
            throw new JobFileException("model.batch.max-requests: " + requests + " is over the Batch API's "
                    + "limit of " + BatchSpec.API_MAX_REQUESTS + " requests per batch");
        }
        long bytes = b.maxFileSize() == null
                ? d.maxFileBytes()
                : Durations.parseSize("model.batch.max-file-size", b.maxFileSize());
        if (bytes > BatchSpec.API_MAX_FILE_BYTES || bytes < 1) {
            throw new JobFileException("model.batch.max-file-size: " + b.maxFileSize() + " is not between 1 "
                    + "byte and the Batch API's limit of 200 MB per input file");
        }
        Duration poll = b.pollInterval() == null
                ? d.pollInterval()
                : Durations.parse("model.batch.poll-interval", b.pollInterval());
        Duration maxPoll = b.maxPollInterval() == null
                ? (poll.compareTo(d.maxPollInterval()) > 0 ? poll : d.maxPollInterval())
                : Durations.parse("model.batch.max-poll-interval", b.maxPollInterval());
        if (maxPoll.compareTo(poll) < 0) {
            throw new JobFileException("model.batch.max-poll-interval: " + b.maxPollInterval() + " is shorter "
                    + "than model.batch.poll-interval " + b.pollInterval());
        }
        return new BatchSpec(requests, bytes, poll, maxPoll);
    }
}
