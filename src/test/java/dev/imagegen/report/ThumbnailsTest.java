package dev.imagegen.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.testing.TestPng;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One thumbnail: made once, reused by a later report, made again when what is there is not a thumbnail. */
class ThumbnailsTest {

    @TempDir
    Path output;

    @Test
    void aThumbnailIsMadeOnceAndReusedByALaterReport() throws IOException {
        ImageRecord image = image("images/ab/p1_v0_0123456789ab.png", TestPng.of(40_000, "one"));
        Path reportDir = output.resolve("reports/r1");

        assertThat(new Thumbnails(output, reportDir).ensure(image)).isEqualTo(Thumbnails.Result.MADE);
        Path thumb = reportDir.resolve(Thumbnails.relativePath(image));
        BufferedImage jpeg = ImageIO.read(thumb.toFile());
        assertThat(jpeg.getWidth()).isEqualTo(115);
        // Written under a temporary name and renamed: nothing else is left in the directory.
        assertThat(files(thumb.getParent())).containsExactly(thumb);

        assertThat(new Thumbnails(output, reportDir).ensure(image)).isEqualTo(Thumbnails.Result.REUSED);
    }

    /** Thumbnails are written without an fsync: after a power cut one may be an empty file under its final name. */
    @Test
    void anEmptyThumbnailFileIsMadeAgain() throws IOException {
        ImageRecord image = image("images/ab/p1_v0_0123456789ab.png", TestPng.of(40_000, "one"));
        Path reportDir = output.resolve("reports/r1");
        Path thumb = reportDir.resolve(Thumbnails.relativePath(image));
        Files.createDirectories(thumb.getParent());
        Files.write(thumb, new byte[0]);

        assertThat(new Thumbnails(output, reportDir).ensure(image)).isEqualTo(Thumbnails.Result.MADE);

        assertThat(ImageIO.read(thumb.toFile())).isNotNull();
    }

    @Test
    void aCorruptImageHasNoThumbnailAndLeavesNoFile() throws IOException {
        byte[] png = TestPng.of(40_000, "corrupt");
        ImageRecord truncated = image("images/ab/p1_v0_0123456789ab.png", Arrays.copyOf(png, png.length / 3));
        ImageRecord notAnImage = image("images/ab/p2_v0_ba9876543210.png", "not an image".getBytes());
        Path reportDir = output.resolve("reports/r1");
        Thumbnails thumbnails = new Thumbnails(output, reportDir);

        assertThat(thumbnails.ensure(truncated)).isEqualTo(Thumbnails.Result.MISSING);
        assertThat(thumbnails.ensure(notAnImage)).isEqualTo(Thumbnails.Result.MISSING);

        if (Files.exists(reportDir)) {
            try (Stream<Path> all = Files.walk(reportDir)) {
                assertThat(all.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
    }

    private ImageRecord image(String filePath, byte[] bytes) throws IOException {
        Path file = output.resolve(filePath);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        String sha = filePath.substring(filePath.lastIndexOf('_') + 1, filePath.lastIndexOf('.')) + "0".repeat(52);
        return new ImageRecord(
                "d",
                "p",
                0,
                filePath,
                "image/png",
                0,
                0,
                bytes.length,
                sha,
                "h",
                "m",
                "openrouter",
                null,
                null,
                BigDecimal.ZERO,
                false,
                null,
                1,
                false,
                1,
                1,
                Instant.EPOCH,
                "a prompt",
                "a prompt",
                "{}",
                true,
                "r1");
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
