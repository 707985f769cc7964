package dev.imagegen.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises starting, joining and stopping the embedded server of one {@code IMAGEGEN_HOME} across processes (a
 * file lock) and across threads of this process (file locks are per process, so threads queue on a Java lock first).
 */
final class HomeLock implements AutoCloseable {

    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until no other process or thread is starting, joining or stopping the server of {@code home}. */
    static HomeLock acquire(Path home) throws IOException {
        IN_PROCESS.lock();
        try {
            Files.createDirectories(home);
            FileChannel channel =
                    FileChannel.open(home.resolve("pgdata.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new HomeLock(channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            IN_PROCESS.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            IN_PROCESS.unlock();
        }
    }
}
