package dev.imagegen.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.support.DurableFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportLockTest {

    @TempDir
    Path dir;

    @Test
    void everyWriterGetsATemporaryNameOfItsOwn() {
        Path target = dir.resolve("metadata.jsonl");

        Path one = DurableFiles.tempFor(target);
        Path two = DurableFiles.tempFor(target);

        assertThat(one).isNotEqualTo(two);
        assertThat(one.getParent()).isEqualTo(dir); // same directory: the rename is atomic
        assertThat(one.getFileName().toString()).startsWith(".metadata.jsonl.").endsWith(".tmp");
    }

    @Test
    void theLockIsExclusiveUntilReleased() throws Exception {
        try (ExportLock held = ExportLock.take(dir)) {
            assertThatThrownBy(() -> ExportLock.take(dir))
                    .isInstanceOf(ExportBusyException.class)
                    .hasMessageContaining(dir.resolve(".imagegen-export.lock").toString());
        }
        ExportLock.take(dir).close();
    }

    @Test
    void onlyTemporaryNamesOfExportsAreRemovedAsLeftovers() throws Exception {
        Files.createDirectories(dir.resolve("train"));
        Path temp = DurableFiles.tempFor(dir.resolve("train/a.png"));
        Files.writeString(temp, "x");
        Files.writeString(dir.resolve("train/notes.tmp"), "kept");
        Files.writeString(dir.resolve(".metadata.jsonl.tmp"), "kept"); // not one of ours

        ExportLock.removeLeftovers(dir);

        assertThat(temp).doesNotExist();
        assertThat(dir.resolve("train/notes.tmp")).exists();
        assertThat(dir.resolve(".metadata.jsonl.tmp")).exists();
    }
}
