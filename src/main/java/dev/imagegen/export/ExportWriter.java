package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes one layout, a sample at a time. Nothing becomes visible under its final name until it is complete: files
 * are written under a temporary name and renamed ({@link dev.imagegen.support.DurableFiles#tempFor},
 * {@link dev.imagegen.support.DurableFiles#moveIntoPlace}), so an interrupted export leaves the previous one intact.
 */
interface ExportWriter extends AutoCloseable {

    /** Adds one image; {@code image} is its file on disk, known to exist. */
    void add(ImageRecord record, Path image) throws IOException;

    /** Completes the export (renames into place, removes what an earlier, larger export left behind). */
    void finish() throws IOException;

    /** Shards or metadata files written. */
    int files();

    /** Bytes of image data copied or archived. */
    long bytes();

    /** Drops temporary files when the export did not finish. */
    @Override
    void close() throws IOException;
}
