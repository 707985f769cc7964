package dev.imagegen.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a run's metrics as a file for node_exporter's textfile collector: {@code DIR/imagegen_<dataset>.prom},
 * labelled with dataset and run id, the latest run of the dataset replacing the one before. The file is written
 * under a temporary name that the collector ignores and renamed into place, so it is never read half-written.
 */
final class TextfileSink implements MetricsSink {

    private final Path dir;

    TextfileSink(Path dir) {
        this.dir = dir;
    }

    static Path file(Path dir, String dataset) {
        return dir.resolve("imagegen_" + dataset + ".prom");
    }

    @Override
    public void publish(Figures figures) throws IOException {
        Files.createDirectories(dir);
        Path target = file(dir, figures.dataset());
        Path temp = dir.resolve(
                "." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(temp, RunMeters.of(figures, true).scrape(), StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String describe() {
        return "the textfile " + file(dir, "<dataset>");
    }
}
