package dev.imagegen.catalog;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One {@code generated_image} row with its prompt: everything a report or an export says about an image.
 * {@code prompt} and {@code renderedPrompt} are null when the prompt row is gone; {@code current} is false when the
 * prompt has changed since the image was made; {@code runId} is the run that made (or adopted) it.
 */
public record ImageRecord(
        String dataset,
        String promptId,
        int variant,
        String filePath,
        String mediaType,
        int width,
        int height,
        long bytes,
        String sha256,
        String requestHash,
        String model,
        String provider,
        String generationId,
        Long seed,
        BigDecimal costUsd,
        boolean costEstimated,
        Long latencyMs,
        int attempts,
        boolean adopted,
        long jobExecutionId,
        long jobInstanceId,
        Instant createdAt,
        String prompt,
        String renderedPrompt,
        String attributesJson,
        boolean current,
        String runId) {}
