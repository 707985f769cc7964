package dev.imagegen.batch;

/** A row of {@code openai_batch}: one batch this job created (or is about to create: status {@code intent}). */
record BatchRow(
        long id,
        String dataset,
        long instanceId,
        int part,
        String endpoint,
        String intent,
        int requests,
        String inputFileId,
        String batchId,
        String status,
        int completed,
        int failed,
        String outputFileId,
        String errorFileId,
        double estimatedCostUsd,
        boolean collected) {

    /** The API's statuses after which a batch changes no more. */
    static boolean terminal(String status) {
        return switch (status) {
            case "completed", "expired", "cancelled", "failed" -> true;
            default -> false;
        };
    }

    boolean isTerminal() {
        return terminal(status);
    }

    boolean created() {
        return batchId != null;
    }
}
