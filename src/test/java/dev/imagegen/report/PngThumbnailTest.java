package dev.imagegen.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.testing.TestPng;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one-pass PNG thumbnail against ImageIO: PNGs whose rows use every filter type decode to the box-filtered
 * average of ImageIO's own decoding of the same file, pixel for pixel, for every colour type it takes; what it does not take is left to ImageIO; corrupt files are errors.
 */
class PngThumbnailTest {

    @ParameterizedTest
    @ValueSource(
            ints = {
                BufferedImage.TYPE_BYTE_GRAY,
                BufferedImage.TYPE_3BYTE_BGR,
                BufferedImage.TYPE_4BYTE_ABGR,
            })
    void aPngDecodesToTheAverageOfImageIosPixels(int type) throws IOException {
        BufferedImage picture = picture(601, 397, type);
        int colourType = type == BufferedImage.TYPE_BYTE_GRAY ? 0 : type == BufferedImage.TYPE_3BYTE_BGR ? 2 : 6;
        byte[] png = filteredPng(picture.getRaster(), colourType);

        BufferedImage thumb = PngThumbnail.make(png, Thumbnails.SIZE);

        BufferedImage decoded = decode(png);
        assertThat(thumb.getWidth()).isEqualTo(256);
        assertThat(thumb.getHeight()).isEqualTo(169); // as Thumbnails.scale sizes it: round(397 * 256 / 601)
        assertThat(pixels(thumb)).isEqualTo(boxAverage(decoded.getRaster(), 256, 169));
    }

    @Test
    void greyWithAlphaASmallPictureAndUnfilteredRows() throws IOException {
        // grey + alpha (colour type 4), smaller than a thumbnail: taken at its own size
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY),
                true,
                false,
                Transparency.TRANSLUCENT,
                DataBuffer.TYPE_BYTE);
        WritableRaster raster = model.createCompatibleWritableRaster(40, 30);
        Random random = new Random(5);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                raster.setPixel(x, y, new int[] {(x * 6 + y) & 0xff, random.nextInt(256)});
            }
        }
        byte[] png = filteredPng(raster, 4);
        BufferedImage thumb = PngThumbnail.make(png, Thumbnails.SIZE);
        assertThat(thumb.getWidth()).isEqualTo(40);
        assertThat(thumb.getHeight()).isEqualTo(30);
        assertThat(pixels(thumb)).isEqualTo(boxAverage(decode(png).getRaster(), 40, 30));

        byte[] noise = TestPng.build(300, 300, "noise", new Random(3)); // the bench's PNGs: filter type 0 throughout
        assertThat(pixels(PngThumbnail.make(noise, Thumbnails.SIZE)))
                .isEqualTo(boxAverage(decode(noise).getRaster(), 256, 256));
    }

    /**
     * The box average divides by multiplying with a reciprocal: exact for every sum a box of up to 65,535 pixels can
     * have (a 16,384-pixel side makes boxes of 64 x 64 at most). Checked for every sum of the small boxes, and for
     * every box at each multiple of its size and the sum just below it, where a reciprocal that is too coarse errs.
     */
    @Test
    void theReciprocalDivisionIsExactForEveryBoxSum() {
        String wrong = null;
        for (long d = 1; d <= 65_535 && wrong == null; d++) {
            long m = PngThumbnail.reciprocal(d);
            long top = 256 * d; // a box of d pixels sums to at most 255 d, plus d / 2 for rounding
            for (long k = 1; k <= 256 && wrong == null; k++) {
                for (long n : new long[] {k * d - 1, Math.min(k * d, top - 1)}) {
                    if (PngThumbnail.quotient(n, m) != n / d) {
                        wrong = n + " / " + d;
                    }
                }
            }
            for (long n = 0; d <= 64 && n < top && wrong == null; n++) {
                if (PngThumbnail.quotient(n, m) != n / d) {
                    wrong = n + " / " + d;
                }
            }
        }
        assertThat(wrong).as("a quotient that differs from integer division").isNull();
    }

    @Test
    void whatItDoesNotTakeIsLeftToImageIo() throws IOException {
        BufferedImage palette = new BufferedImage(50, 50, BufferedImage.TYPE_BYTE_INDEXED);
        assertThat(PngThumbnail.make(png(palette), 256)).isNull();
        BufferedImage bits = new BufferedImage(50, 50, BufferedImage.TYPE_BYTE_BINARY);
        assertThat(PngThumbnail.make(png(bits), 256)).isNull();
        BufferedImage sixteen = new BufferedImage(50, 50, BufferedImage.TYPE_USHORT_GRAY);
        assertThat(PngThumbnail.make(png(sixteen), 256)).isNull();
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(picture(50, 50, BufferedImage.TYPE_3BYTE_BGR), "jpeg", jpeg);
        assertThat(PngThumbnail.make(jpeg.toByteArray(), 256)).isNull();
    }

    @Test
    void aCorruptOrOversizedPngIsAnError() throws IOException {
        byte[] png = filteredPng(picture(300, 200, BufferedImage.TYPE_3BYTE_BGR).getRaster(), 2);
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        assertThatThrownBy(() -> PngThumbnail.make(truncated, 256)).isInstanceOf(IOException.class);

        byte[] scrambled = png.clone();
        for (int i = 200; i < scrambled.length - 100; i++) {
            scrambled[i] ^= (byte) 0x5a;
        }
        assertThatThrownBy(() -> PngThumbnail.make(scrambled, 256)).isInstanceOf(IOException.class);

        assertThatThrownBy(() -> PngThumbnail.make(TestPng.declaring(100_000, 100_000), 256))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("100000 x 100000");
    }

    /** A picture with gradients and noise (so the writer uses every filter), translucent where it has alpha. */
    private static BufferedImage picture(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(200, 30, 90, 40), w, h, new Color(20, 220, 180, 255)));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(250, 250, 20, 128));
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        Random random = new Random(11);
        for (int i = 0; i < w * h / 20; i++) {
            img.setRGB(random.nextInt(w), random.nextInt(h), random.nextInt());
        }
        return img;
    }

    /**
     * A PNG of these samples whose row y has filter type y % 5 (the JDK's PNG writer filters no row), so that every
     * filter is undone in the test.
     */
    static byte[] filteredPng(Raster r, int colourType) throws IOException {
        int w = r.getWidth();
        int h = r.getHeight();
        int bpp = r.getNumBands();
        int stride = w * bpp;
        byte[] previous = new byte[stride];
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < h; y++) {
            int[] samples = r.getPixels(0, y, w, 1, (int[]) null);
            byte[] row = new byte[stride];
            for (int i = 0; i < stride; i++) {
                row[i] = (byte) samples[i];
            }
            int filter = y % 5;
            raw.write(filter);
            for (int i = 0; i < stride; i++) {
                int x = row[i] & 0xff;
                int a = i >= bpp ? row[i - bpp] & 0xff : 0;
                int b = previous[i] & 0xff;
                int c = i >= bpp ? previous[i - bpp] & 0xff : 0;
                int predictor = switch (filter) {
                    case 0 -> 0;
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) / 2;
                    default -> paeth(a, b, c);
                };
                raw.write((x - predictor) & 0xff);
            }
            previous = row;
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer header =
                ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) colourType);
        TestPng.chunk(png, "IHDR", header.array());
        byte[] data = deflate(raw.toByteArray());
        // in two IDAT chunks, as encoders split them
        TestPng.chunk(png, "IDAT", Arrays.copyOfRange(data, 0, data.length / 2));
        TestPng.chunk(png, "IDAT", Arrays.copyOfRange(data, data.length / 2, data.length));
        TestPng.chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static BufferedImage decode(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static byte[] pixels(BufferedImage rgb) {
        int[] px = rgb.getRaster().getPixels(0, 0, rgb.getWidth(), rgb.getHeight(), (int[]) null);
        byte[] out = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            out[i] = (byte) px[i];
        }
        return out;
    }

    /** The reference: each thumbnail pixel the mean of the source pixels mapped to it, over white, as R, G, B. */
    private static byte[] boxAverage(Raster src, int w, int h) {
        int bands = src.getNumBands();
        long[] sums = new long[w * h * 3];
        long[] counts = new long[w * h];
        int[] px = new int[bands];
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                src.getPixel(x, y, px);
                int r = px[0];
                int g = bands >= 3 ? px[1] : px[0];
                int b = bands >= 3 ? px[2] : px[0];
                int a = bands == 2 ? px[1] : bands == 4 ? px[3] : 255;
                int white = 255 * (255 - a);
                int o = (int) ((long) y * h / src.getHeight()) * w + (int) ((long) x * w / src.getWidth());
                sums[o * 3] += (r * a + white + 127) / 255;
                sums[o * 3 + 1] += (g * a + white + 127) / 255;
                sums[o * 3 + 2] += (b * a + white + 127) / 255;
                counts[o]++;
            }
        }
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((sums[i] + counts[i / 3] / 2) / counts[i / 3]);
        }
        return out;
    }
}
