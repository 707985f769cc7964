package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code <dataset>.jsonl}: one line per image with its {@code path} (absolute, or relative to the JSONL file) and
 * the metadata. Copies nothing; the images stay under {@code output.dir}.
 */
final class JsonlWriter implements ExportWriter {

    private final Path base;
    private final SampleMetadata metadata;
    private final boolean absolute;
    private final MetadataLines lines;
    private long bytes;

    JsonlWriter(Path dir, String dataset, SampleMetadata metadata, boolean absolute) throws IOException {
        Files.createDirectories(dir);
        this.base = dir.toAbsolutePath().normalize();
        this.metadata = metadata;
        this.absolute = absolute;
        this.lines = new MetadataLines(dir.resolve(dataset + ".jsonl"), metadata);
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        Path file = image.toAbsolutePath().normalize();
        ObjectNode line = metadata.json().createObjectNode();
        line.put("path", (absolute ? file : base.relativize(file)).toString().replace('\\', '/'));
        lines.write(metadata.fill(line, record));
        bytes += record.bytes();
    }

    @Override
    public void finish() throws IOException {
        lines.commit();
    }

    @Override
    public int files() {
        return 1;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
