package dev.imagegen.batch;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One line of a batch's output or error file, as much as collecting needs: {@code custom_id}, the response's status,
 * request id and body parts (the decoded images, {@code output_format}, {@code usage}, {@code error}), or the
 * line's own {@code error} (a request that never ran: {@code batch_expired}, {@code batch_cancelled}, ...).
 * {@code batch} is the row id of the batch it belongs to; an {@link #end} line marks that all of a batch is read.
 */
record BatchLine(
        long batch,
        String customId,
        Integer statusCode,
        String requestId,
        List<byte[]> images,
        String outputFormat,
        JsonNode usage,
        JsonNode responseError,
        JsonNode error,
        Batches.RequestKey key) {

    static BatchLine end(long batch) {
        return new BatchLine(batch, null, null, null, List.of(), null, null, null, null, null);
    }

    /** The line with the request it answers (from the batch's request rows). */
    BatchLine of(Batches.RequestKey request) {
        return new BatchLine(
                batch, customId, statusCode, requestId, images, outputFormat, usage, responseError, error, request);
    }

    boolean isEnd() {
        return customId == null;
    }
}
