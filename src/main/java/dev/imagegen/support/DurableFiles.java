package dev.imagegen.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * A file replaced as a whole: written under a temporary name in the same directory ({@link #tempFor}), then renamed
 * over the target ({@link #moveIntoPlace}), so a reader sees the old file or the new one, never half of one.
 * {@link #writeDurably} also forces the bytes to the disk before the rename and the directory after it — for what
 * must survive a power cut (a paid image and its sidecar); {@link #replace} does not, for what can be made again (a
 * report, a thumbnail, an export).
 */
public final class DurableFiles {

    /** The content of a file being written. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** How a channel is opened; tests pass one that records {@code force}. */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path path, OpenOption... options) throws IOException;
    }

    private DurableFiles() {}

    /** A temporary name of the target's own ({@code .<name>.<uuid>.tmp}) beside it: no other writer shares it. */
    public static Path tempFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    /** Renames {@code tmp} over {@code target}: atomically, or as a plain replace where the file system cannot. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Replaces {@code target} with {@code bytes} so that it survives a crash: temp file, fsync, atomic rename, and
     * (with {@code syncDirectory}) an fsync of the directory, which makes the rename itself durable. The temporary
     * file is removed when anything fails.
     */
    public static void writeDurably(Path target, byte[] bytes, boolean syncDirectory) throws IOException {
        writeDurably(target, ByteBuffer.wrap(bytes), syncDirectory, FileChannel::open);
    }

    /** As {@link #writeDurably(Path, byte[], boolean)}, of the bytes {@code bytes} has left. */
    public static void writeDurably(Path target, ByteBuffer bytes, boolean syncDirectory) throws IOException {
        writeDurably(target, bytes, syncDirectory, FileChannel::open);
    }

    static void writeDurably(Path target, byte[] bytes, boolean syncDirectory, Opener opener) throws IOException {
        writeDurably(target, ByteBuffer.wrap(bytes), syncDirectory, opener);
    }

    private static void writeDurably(Path target, ByteBuffer buf, boolean syncDirectory, Opener opener)
            throws IOException {
        Path tmp = tempFor(target);
        try {
            try (FileChannel ch = opener.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveIntoPlace(tmp, target);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (syncDirectory) {
            syncDirectory(target.getParent(), opener);
        }
    }

    /** Forces a directory's entries (a rename into it) to the disk; a no-op where it cannot be opened for that. */
    public static void syncDirectory(Path dir) {
        syncDirectory(dir, FileChannel::open);
    }

    private static void syncDirectory(Path dir, Opener opener) {
        try (FileChannel ch = opener.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems cannot open a directory for sync; the rename itself is still atomic there.
        }
    }

    /**
     * Replaces {@code target} atomically with what {@code content} writes, without forcing it to the disk; the
     * temporary file is removed when writing fails.
     */
    public static void replace(Path target, Content content) throws IOException {
        Path tmp = tempFor(target);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.writeTo(out);
            }
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@link #replace(Path, Content)} with these bytes. */
    public static void replace(Path target, byte[] bytes) throws IOException {
        replace(target, out -> out.write(bytes));
    }
}
