package dev.imagegen.export;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the layouts with a single metadata file (ImageFolder's {@code metadata.jsonl}, the JSONL export) share: the
 * lines written as samples are added, committed by {@link #finish}, dropped by {@link #close} when it never came.
 */
abstract class OneMetadataFile implements ExportWriter {

    protected final SampleMetadata metadata;
    protected final MetadataLines lines;
    private long bytes;

    OneMetadataFile(Path file, SampleMetadata metadata) throws IOException {
        this.metadata = metadata;
        this.lines = new MetadataLines(file, metadata);
    }

    /** Counts an image's bytes towards {@link #bytes()}. */
    protected final void counted(long imageBytes) {
        bytes += imageBytes;
    }

    @Override
    public final void finish() throws IOException {
        lines.commit();
    }

    @Override
    public final int files() {
        return 1;
    }

    @Override
    public final long bytes() {
        return bytes;
    }

    @Override
    public final void close() throws IOException {
        lines.close();
    }
}
