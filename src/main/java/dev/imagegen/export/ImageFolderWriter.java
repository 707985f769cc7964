package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hugging Face ImageFolder: {@code train/<id>_v<variant>.<ext>} and {@code train/metadata.jsonl}, whose
 * {@code file_name} is relative to the metadata file, as {@code load_dataset("imagefolder", data_dir=DIR)} expects.
 * An image already in place with the same size and time stamp is left alone, so a repeated export copies only
 * what changed.
 */
final class ImageFolderWriter implements ExportWriter {

    static final String SPLIT = "train";
    static final String METADATA = "metadata.jsonl";

    private final Path split;
    private final SampleMetadata metadata;
    private final boolean link;
    private final MetadataLines lines;
    private long bytes;

    ImageFolderWriter(Path dir, SampleMetadata metadata, boolean link) throws IOException {
        this.split = dir.resolve(SPLIT);
        Files.createDirectories(split);
        this.metadata = metadata;
        this.link = link;
        this.lines = new MetadataLines(split.resolve(METADATA), metadata);
    }

    static String fileName(ImageRecord r) {
        return SampleMetadata.key(r) + "." + SampleMetadata.extension(r);
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        String name = fileName(record);
        place(image, split.resolve(name), FileTime.from(record.createdAt()));
        bytes += record.bytes();
        ObjectNode line = metadata.json().createObjectNode();
        line.put("file_name", name);
        lines.write(metadata.fill(line, record));
    }

    private void place(Path source, Path target, FileTime stamp) throws IOException {
        if (Files.isRegularFile(target)) {
            if (link
                    ? Files.isSameFile(source, target)
                    : Files.size(target) == Files.size(source)
                            && Files.getLastModifiedTime(target).equals(stamp)) {
                return;
            }
        }
        Path tmp = ExportWriter.temp(target);
        Files.deleteIfExists(tmp);
        if (link) {
            try {
                Files.createLink(tmp, source);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
        } else {
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(tmp, stamp);
        }
        ExportWriter.commit(tmp, target);
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
