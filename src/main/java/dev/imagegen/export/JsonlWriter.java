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
final class JsonlWriter extends OneMetadataFile {

    private final Path base;
    private final boolean absolute;

    JsonlWriter(Path dir, String dataset, SampleMetadata metadata, boolean absolute) throws IOException {
        super(Files.createDirectories(dir).resolve(dataset + ".jsonl"), metadata);
        this.base = dir.toAbsolutePath().normalize();
        this.absolute = absolute;
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        Path file = image.toAbsolutePath().normalize();
        ObjectNode line = metadata.json().createObjectNode();
        line.put("path", (absolute ? file : base.relativize(file)).toString().replace('\\', '/'));
        lines.write(metadata.fill(line, record));
        counted(record.bytes());
    }
}
