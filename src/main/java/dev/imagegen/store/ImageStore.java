package dev.imagegen.store;

import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.support.DurableFiles;
import dev.imagegen.support.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Image files under {@code output.dir}. A file's path is derived from (prompt id, variant, request hash), so a
 * restart can find an image that reached the disk but not the database, and a changed request never overwrites an
 * old picture. Every write is atomic: temp file in the same directory, fsync, rename, fsync of the directory.
 */
public final class ImageStore {

    static final String[] EXTENSIONS = {"png", "jpg", "webp"};

    private final Path root;
    private final JsonMapper json;

    public ImageStore(Path outputDir, JsonMapper json) {
        this.root = outputDir.toAbsolutePath().normalize();
        this.json = json;
    }

    public Path root() {
        return root;
    }

    /** {@code images/ab/<stem>_v0_<hash12>} without extension, relative to the output directory. */
    static String baseName(String promptId, int variant, String requestHash) {
        return "images/" + SafeNames.shard(promptId) + "/" + SafeNames.stem(promptId) + "_v" + variant + "_"
                + requestHash.substring(0, 12);
    }

    public StoredImage store(ImageData image, ImageSidecar sidecar) throws IOException {
        return store(image, sidecar, true);
    }

    /**
     * As {@link #store(ImageData, ImageSidecar)}, files fsynced before their rename, but the directory's fsync is left
     * to {@link #syncDirectories}: a caller that stores many images syncs each directory once, before their rows
     * commit (one journal commit for all the renames instead of one per image).
     */
    public StoredImage storeSyncingDirectoryLater(ImageData image, ImageSidecar sidecar) throws IOException {
        return store(image, sidecar, false);
    }

    /** The fsync of the directories of these images, which {@link #storeSyncingDirectoryLater} left out. */
    public void syncDirectories(Collection<StoredImage> images) {
        images.stream()
                .map(i -> resolveInside(i.relativePath()).getParent())
                .distinct()
                .forEach(DurableFiles::syncDirectory);
    }

    private StoredImage store(ImageData image, ImageSidecar sidecar, boolean syncDir) throws IOException {
        String base = baseName(sidecar.promptId(), sidecar.variant(), sidecar.requestHash());
        String relative = base + "." + image.extension();
        Path target = resolveInside(relative);
        Path dir = target.getParent();
        Files.createDirectories(dir);
        // The sidecar lands first: an image on disk always has its metadata next to it.
        DurableFiles.writeDurably(resolveInside(base + ".json"), json.writeValueAsBytes(sidecar), false);
        DurableFiles.writeDurably(target, image.content(), syncDir);
        String sha256 = sha256(image.content());
        return new StoredImage(
                sidecar.promptId(),
                sidecar.variant(),
                relative,
                image.mediaType(),
                image.width(),
                image.height(),
                image.length(),
                sha256,
                sidecar,
                false);
    }

    /**
     * An image for this key and hash that is already on disk (a crash came between the file and the database row):
     * validated and hashed, so it can be recorded instead of paid for again. A file that is not a whole image is
     * removed.
     */
    public Optional<StoredImage> adopt(String promptId, int variant, String requestHash) throws IOException {
        String base = baseName(promptId, variant, requestHash);
        for (String ext : EXTENSIONS) {
            Path file = resolveInside(base + "." + ext);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue;
            }
            ImageData image;
            try {
                image = ImageProbe.inspect(bytes, null);
            } catch (ImageProbe.InvalidImageException e) {
                Files.deleteIfExists(file);
                continue;
            }
            ImageSidecar sidecar = readSidecar(resolveInside(base + ".json"), promptId, variant, requestHash);
            return Optional.of(new StoredImage(
                    promptId,
                    variant,
                    base + "." + ext,
                    image.mediaType(),
                    image.width(),
                    image.height(),
                    bytes.length,
                    sha256(bytes),
                    sidecar,
                    true));
        }
        return Optional.empty();
    }

    private ImageSidecar readSidecar(Path file, String promptId, int variant, String requestHash) {
        try {
            ImageSidecar s = json.readValue(file.toFile(), ImageSidecar.class);
            if (s.promptId().equals(promptId)
                    && s.variant() == variant
                    && s.requestHash().equals(requestHash)) {
                return s;
            }
        } catch (JacksonException e) {
            // fall through: an image without readable metadata is still worth keeping
        }
        return new ImageSidecar(promptId, variant, requestHash, null, null, null, null, 0, true, 0, 0, 0, 0);
    }

    /** Deletes the temp files ({@code .<name>.<uuid>.tmp}) a killed process left behind; returns how many. */
    public int removeStrayTempFiles() {
        Path images = root.resolve("images");
        if (!Files.isDirectory(images)) {
            return 0;
        }
        int removed = 0;
        try (var files = Files.walk(images, 2)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp") && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            // whatever is left goes with the next run
        }
        return removed;
    }

    /** Resolves a relative path and refuses anything that would land outside the output directory. */
    Path resolveInside(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root) || relative.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("refusing to write outside output.dir: " + relative);
        }
        return p;
    }

    /** The hash a stored image is recorded with ({@code generated_image.sha256}). */
    public static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }

    /** As {@link #sha256(byte[])}, of an image that is a slice of a larger array (see {@link ImageData}). */
    static String sha256(java.nio.ByteBuffer bytes) {
        return Sha256.hex(bytes);
    }
}
