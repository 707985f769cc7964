package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.support.DurableFiles;
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
final class ImageFolderWriter extends OneMetadataFile {

    static final String SPLIT = "train";
    static final String METADATA = "metadata.jsonl";

    private final Path split;
    private final boolean link;

    ImageFolderWriter(Path dir, SampleMetadata metadata, boolean link) throws IOException {
        super(Files.createDirectories(dir.resolve(SPLIT)).resolve(METADATA), metadata);
        this.split = dir.resolve(SPLIT);
        this.link = link;
    }

    static String fileName(ImageRecord r) {
        return SampleMetadata.key(r) + "." + SampleMetadata.extension(r);
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        String name = fileName(record);
        place(image, split.resolve(name), FileTime.from(record.createdAt()));
        counted(record.bytes());
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
        Path tmp = DurableFiles.tempFor(target);
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
        DurableFiles.moveIntoPlace(tmp, target);
    }
}
