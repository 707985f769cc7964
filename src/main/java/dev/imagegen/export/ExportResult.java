package dev.imagegen.export;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What an export wrote: {@code samples} images with their metadata; {@code staleSkipped} images left out because
 * their prompt changed after they were made; {@code missingFiles} rows whose image file is not on disk;
 * {@code files} the shards or metadata files written; {@code bytes} copied or archived.
 */
public record ExportResult(
        Path dir,
        ExportFormat format,
        long samples,
        long staleSkipped,
        long missingFiles,
        int files,
        long bytes,
        Duration took) {}
