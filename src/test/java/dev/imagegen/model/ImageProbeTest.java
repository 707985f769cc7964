package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.testing.TestPng;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageProbeTest {

    @Test
    void readsPngSize() throws Exception {
        byte[] png = TestPng.build(40, 30, "x", new Random(1));
        ImageData d = ImageProbe.inspect(png, "image/png");
        assertThat(d.width()).isEqualTo(40);
        assertThat(d.height()).isEqualTo(30);
        assertThat(d.extension()).isEqualTo("png");
    }

    /** A slice of a larger array (an image decoded inside its response body) is read within its bounds only. */
    @Test
    void anImageInsideALargerArrayIsReadFromItsOwnBytesOnly() throws Exception {
        byte[] png = TestPng.build(40, 30, "x", new Random(1));
        byte[] body = new byte[png.length + 64];
        Arrays.fill(body, (byte) 'A');
        System.arraycopy(png, 0, body, 32, png.length);

        ImageData d = ImageProbe.inspect(body, 32, png.length, "image/png");

        assertThat(d.width()).isEqualTo(40);
        assertThat(d.height()).isEqualTo(30);
        assertThat(d.length()).isEqualTo(png.length);
        assertThat(d.bytes()).isEqualTo(png);
        // The whole image follows in the array, but a slice that ends early is a truncated image.
        assertThatThrownBy(() -> ImageProbe.inspect(body, 32, png.length - 5, null))
                .isInstanceOf(ImageProbe.InvalidImageException.class)
                .hasMessageContaining("truncated");
        // A slice that starts elsewhere is no image, whatever lies before it.
        assertThatThrownBy(() -> ImageProbe.inspect(body, 31, png.length, null))
                .isInstanceOf(ImageProbe.InvalidImageException.class);
    }

    @Test
    void rejectsTruncatedAndCorruptedPngs() {
        byte[] png = TestPng.build(40, 30, "x", new Random(1));
        assertThatThrownBy(() -> ImageProbe.inspect(Arrays.copyOf(png, png.length - 5), null))
                .isInstanceOf(ImageProbe.InvalidImageException.class);
        byte[] flipped = png.clone();
        flipped[png.length / 2] ^= 0x55;
        assertThatThrownBy(() -> ImageProbe.inspect(flipped, null))
                .isInstanceOf(ImageProbe.InvalidImageException.class)
                .hasMessageContaining("CRC");
    }

    @Test
    void readsJpegSizeAndRejectsATruncatedJpeg() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        byte[] jpg = out.toByteArray();
        ImageData d = ImageProbe.inspect(jpg, "image/jpeg");
        assertThat(d.width()).isEqualTo(64);
        assertThat(d.height()).isEqualTo(48);
        assertThatThrownBy(() -> ImageProbe.inspect(Arrays.copyOf(jpg, jpg.length / 2), "image/jpeg"))
                .isInstanceOf(ImageProbe.InvalidImageException.class);
    }

    @Test
    void readsLosslessWebpHeaderAndChecksTheRiffLength() throws Exception {
        // RIFF <len> WEBP VP8L <chunk len> 0x2f <14 bits w-1><14 bits h-1>...
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes())
                .putInt(32)
                .put("WEBP".getBytes())
                .put("VP8L".getBytes())
                .putInt(20);
        b.put((byte) 0x2f);
        int bits = (100 - 1) | ((50 - 1) << 14);
        b.putInt(bits);
        byte[] webp = b.array();
        ImageData d = ImageProbe.inspect(webp, "image/webp");
        assertThat(d.width()).isEqualTo(100);
        assertThat(d.height()).isEqualTo(50);
        assertThatThrownBy(() -> ImageProbe.inspect(Arrays.copyOf(webp, 30), null))
                .isInstanceOf(ImageProbe.InvalidImageException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void theBytesDecideTheTypeOfAWholeImageUnderAWrongLabel() throws Exception {
        byte[] png = TestPng.build(4, 4, "x", new Random(1));
        assertThat(ImageProbe.inspect(png, "image/jpeg").mediaType()).isEqualTo("image/png");
        assertThatThrownBy(() -> ImageProbe.inspect("hello".getBytes(), null)).hasMessageContaining("not a PNG");
    }

    @Test
    void aPictureOverTheSizeLimitsIsRefusedFromItsHeader() throws Exception {
        // PNG: 100000 x 100000 declared in 60 bytes.
        assertThatThrownBy(() -> ImageProbe.inspect(TestPng.declaring(100_000, 100_000), "image/png"))
                .isInstanceOf(ImageProbe.InvalidImageException.class)
                .hasMessageContaining("100000x100000")
                .hasMessageContaining("not decoded");
        // A side over 16384, or more than 100 megapixels in all.
        assertThatThrownBy(() -> ImageProbe.inspect(TestPng.declaring(16_385, 1), null))
                .hasMessageContaining("16385x1");
        assertThatThrownBy(() -> ImageProbe.inspect(TestPng.declaring(10_001, 10_000), null))
                .hasMessageContaining("100 megapixels");
        assertThatThrownBy(() -> ImageProbe.inspect(TestPng.declaring(0x8000_0000L, 1), null))
                .isInstanceOf(ImageProbe.InvalidImageException.class);
        // Right at the limits: accepted (nothing is decoded to say so).
        assertThat(ImageProbe.inspect(TestPng.declaring(16_384, 6_103), null).width())
                .isEqualTo(16_384);
        assertThat(ImageProbe.inspect(TestPng.declaring(10_000, 10_000), null).height())
                .isEqualTo(10_000);

        // JPEG: a frame header of 65535 x 65535.
        byte[] jpeg = {
            (byte) 0xFF,
            (byte) 0xD8,
            (byte) 0xFF,
            (byte) 0xC0,
            0,
            11,
            8,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            (byte) 0xFF,
            1,
            1,
            0x11,
            0,
            (byte) 0xFF,
            (byte) 0xD9
        };
        assertThatThrownBy(() -> ImageProbe.inspect(jpeg, "image/jpeg")).hasMessageContaining("65535x65535");

        // WebP: an extended (VP8X) canvas of 100000 x 100000.
        ByteBuffer b = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes())
                .putInt(22)
                .put("WEBP".getBytes())
                .put("VP8X".getBytes())
                .putInt(10)
                .putInt(0);
        int side = 100_000 - 1;
        b.put((byte) side).put((byte) (side >> 8)).put((byte) (side >> 16));
        b.put((byte) side).put((byte) (side >> 8)).put((byte) (side >> 16));
        assertThatThrownBy(() -> ImageProbe.inspect(b.array(), "image/webp")).hasMessageContaining("100000x100000");
    }
}
