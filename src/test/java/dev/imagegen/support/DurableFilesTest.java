package dev.imagegen.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {

    @TempDir
    Path dir;

    /** What each {@code force} saw: the path forced and the target's content at that moment. */
    private final List<String> forces = new ArrayList<>();

    @Test
    void aDurableWriteForcesTheBytesBeforeTheRenameAndTheDirectoryAfterIt() throws IOException {
        Path target = dir.resolve("image.png");
        Files.writeString(target, "old");

        DurableFiles.writeDurably(target, bytes("new"), true, recording(target));

        assertThat(Files.readString(target)).isEqualTo("new");
        // The temporary file is forced while the target still holds the old content (so before the rename),
        // then the directory once the target holds the new one (so after it).
        assertThat(forces).containsExactly("temp file, target old", "directory, target new");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void withoutTheDirectorySyncOnlyTheFileIsForced() throws IOException {
        Path target = dir.resolve("image.json");
        DurableFiles.writeDurably(target, bytes("{}"), false, recording(target));
        assertThat(forces).containsExactly("temp file, target absent");
        assertThat(Files.readString(target)).isEqualTo("{}");
    }

    @Test
    void aWriteThatFailsLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("image.png");
        Files.writeString(target, "old");
        DurableFiles.Opener failing = (path, options) -> {
            FileChannel ch = FileChannel.open(path, options);
            ch.close();
            throw new IOException("disk full");
        };

        assertThatThrownBy(() -> DurableFiles.writeDurably(target, bytes("new"), true, failing))
                .hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void replaceSwapsTheWholeFileOrNothing() throws IOException {
        Path target = dir.resolve("summary.json");
        Files.writeString(target, "old");

        assertThatThrownBy(() -> DurableFiles.replace(target, out -> {
                    out.write(bytes("half"));
                    throw new IOException("renderer failed");
                }))
                .hasMessage("renderer failed");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(leftovers()).isEmpty();

        DurableFiles.replace(target, bytes("new"));
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void theTemporaryNameIsAHiddenSiblingOfItsOwn() {
        Path target = dir.resolve("a.png");
        Path one = DurableFiles.tempFor(target);
        assertThat(one.getParent()).isEqualTo(dir);
        assertThat(one.getFileName().toString()).startsWith(".a.png.").endsWith(".tmp");
        assertThat(DurableFiles.tempFor(target)).isNotEqualTo(one);
    }

    @Test
    void moveIntoPlaceReplacesTheTarget() throws IOException {
        Path target = dir.resolve("x");
        Files.writeString(target, "old");
        Path tmp = DurableFiles.tempFor(target);
        Files.writeString(tmp, "new");
        DurableFiles.moveIntoPlace(tmp, target);
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(tmp).doesNotExist();
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .toList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DurableFiles.Opener recording(Path target) {
        return (path, options) -> {
            FileChannel real = FileChannel.open(path, options);
            String what = Files.isDirectory(path) ? "directory" : "temp file";
            return new Forwarding(real, () -> {
                String state = Files.exists(target) ? "target " + Files.readString(target) : "target absent";
                forces.add(what + ", " + state);
            });
        };
    }

    private interface Hook {
        void run() throws IOException;
    }

    /** A channel that does what the real one does and tells the test when it is forced. */
    private static final class Forwarding extends FileChannel {
        private final FileChannel real;
        private final Hook onForce;

        Forwarding(FileChannel real, Hook onForce) {
            this.real = real;
            this.onForce = onForce;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
            onForce.run();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
