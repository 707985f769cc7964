package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Writes one layout, a sample at a time. Nothing becomes visible under its final name until it is complete: files
 * are written under a temporary name and renamed, so an interrupted export leaves the previous one intact.
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

    /** A temporary name of this export's own ({@code .<name>.<uuid>.tmp}): no other writer ever shares it. */
    static Path temp(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
