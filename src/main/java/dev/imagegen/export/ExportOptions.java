package dev.imagegen.export;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One export: the layout, the target directory, which images (a run, a creation-time range {@code [since, until)},
 * or all), and the layout's knobs: shard limits for WebDataset, absolute or relative paths for JSONL, hard links
 * instead of copies for ImageFolder.
 */
public record ExportOptions(
        ExportFormat format,
        Path dir,
        String runId,
        Instant since,
        Instant until,
        int shardSamples,
        long shardBytes,
        boolean absolutePaths,
        boolean link) {

    public static final int DEFAULT_SHARD_SAMPLES = 1000;
    public static final long DEFAULT_SHARD_BYTES = 1L << 30;
}
