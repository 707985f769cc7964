package dev.imagegen.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.support.Sha256;
import dev.imagegen.testing.TestPng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class ImageStoreTest {

    @TempDir
    Path dir;

    /** An image decoded where its base64 lay is a slice of the response body: only that slice is the image. */
    @Test
    void anImageThatIsASliceOfALargerArrayIsStoredAndHashedAsItsOwnBytes() throws Exception {
        byte[] png = TestPng.of(2000, "slice");
        byte[] body = new byte[png.length + 300];
        Arrays.fill(body, (byte) '"');
        System.arraycopy(png, 0, body, 100, png.length);
        ImageData image = ImageProbe.inspect(body, 100, png.length, "image/png");
        ImageStore store = new ImageStore(dir, JsonMapper.builder().build());

        StoredImage stored = store.store(
                image, new ImageSidecar("p1", 0, "a".repeat(64), "m", "prov", "gen-1", null, 0.01, false, 1, 2, 3, 1));

        assertThat(Files.readAllBytes(dir.resolve(stored.relativePath()))).isEqualTo(png);
        assertThat(stored.sha256()).isEqualTo(Sha256.hex(png));
        assertThat(stored.bytes()).isEqualTo(png.length);
        assertThat(image.bytes()).isEqualTo(png);
    }
}
