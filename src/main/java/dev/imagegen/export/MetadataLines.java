package dev.imagegen.export;

import dev.imagegen.support.DurableFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON-lines metadata file written under a temporary name and renamed into place only when the export finishes,
 * so an interrupted export never leaves a half file under the final name.
 */
final class MetadataLines implements AutoCloseable {

    private final Path target;
    private final Path tmp;
    private final SampleMetadata metadata;
    private final BufferedWriter writer;
    private boolean committed;

    MetadataLines(Path target, SampleMetadata metadata) throws IOException {
        this.target = target;
        this.tmp = DurableFiles.tempFor(target);
        this.metadata = metadata;
        this.writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
    }

    void write(ObjectNode line) throws IOException {
        writer.write(metadata.line(line));
        writer.write('\n');
    }

    void commit() throws IOException {
        writer.close();
        DurableFiles.moveIntoPlace(tmp, target);
        committed = true;
    }

    /** Discards the temporary file unless {@link #commit()} ran. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            writer.close();
            Files.deleteIfExists(tmp);
        }
    }
}
