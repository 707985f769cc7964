package dev.imagegen.export;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.imagegen.catalog.ImageRecord;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code <dataset>.jsonl}: one line per image with its {@code path} (absolute, or relative to the JSONL file) and
 * the metadata. Copies nothing; the images stay under {@code output.dir}.
 */
final class JsonlWriter implements ExportWriter {

    private final Path target;
    private final Path tmp;
    private final Path base;
    private final SampleMetadata metadata;
    private final boolean absolute;
    private final BufferedWriter lines;
    private long bytes;
    private boolean finished;

    JsonlWriter(Path dir, String dataset, SampleMetadata metadata, boolean absolute) throws IOException {
        Files.createDirectories(dir);
        this.target = dir.resolve(dataset + ".jsonl");
        this.tmp = ExportWriter.temp(target);
        this.base = dir.toAbsolutePath().normalize();
        this.metadata = metadata;
        this.absolute = absolute;
        this.lines = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        Path file = image.toAbsolutePath().normalize();
        ObjectNode line = metadata.json().createObjectNode();
        line.put("path", (absolute ? file : base.relativize(file)).toString().replace('\\', '/'));
        lines.write(metadata.line(metadata.fill(line, record)));
        lines.write('\n');
        bytes += record.bytes();
    }

    @Override
    public void finish() throws IOException {
        lines.close();
        ExportWriter.commit(tmp, target);
        finished = true;
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
        if (!finished) {
            lines.close();
            Files.deleteIfExists(tmp);
        }
    }
}
