package dev.imagegen.export;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * One export at a time into a directory: an exclusive lock on {@code DIR/.imagegen-export.lock} (an OS file lock,
 * so the server drops it when the process dies; the file itself stays). A second export into the same directory,
 * from this process or another, is refused at once instead of writing over the first one's files. While the lock is
 * held, temporary files an interrupted export left behind are removed.
 */
final class ExportLock implements AutoCloseable {

    static final String FILE = ".imagegen-export.lock";
    /** The names {@link ExportWriter#temp} gives: {@code .<name>.<uuid>.tmp}. */
    private static final Pattern TEMP_NAME =
            Pattern.compile("\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

    private final FileChannel channel;
    private final FileLock lock;

    private ExportLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws ExportBusyException when another export holds the directory */
    static ExportLock take(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another export in this JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new ExportBusyException("--to: another export into " + dir + " is in progress (it holds " + file
                    + "); wait for " + "it to finish, or export to another directory");
        }
        return new ExportLock(channel, lock);
    }

    /** The lock file, or a temporary file of an export (a directory holding only these holds no foreign files). */
    static boolean isOwn(String fileName) {
        return fileName.equals(FILE) || TEMP_NAME.matcher(fileName).matches();
    }

    /** Removes the temporary files of exports that did not finish, in {@code dir} and its subdirectories. */
    static void removeLeftovers(Path dir) throws IOException {
        removeLeftovers(dir, 1);
    }

    private static void removeLeftovers(Path dir, int depth) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    if (depth > 0) {
                        removeLeftovers(entry, depth - 1);
                    }
                } else if (!entry.getFileName().toString().equals(FILE)
                        && isOwn(entry.getFileName().toString())) {
                    Files.deleteIfExists(entry);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
