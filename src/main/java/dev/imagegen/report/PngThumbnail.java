package dev.imagegen.report;

import dev.imagegen.model.ImageProbe;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The thumbnail of an 8-bit, non-interlaced PNG (what image models return) made in one pass over the file's bytes:
 * each row is inflated and unfiltered in turn and averaged straight into the thumbnail's pixels (a box filter over
 * every source pixel), transparent pixels over white. ImageIO's reader costs several times more for the same
 * picture (it copies every decoded row through generic raster code, and a 1024 x 1024 picture cost about 40 ms of
 * CPU even subsampled), and then the picture had to be scaled once more. Other PNGs (palette, 16-bit, interlaced,
 * a {@code tRNS} colour key) and other formats are not handled here: {@link #make} returns null and the caller
 * decodes them with ImageIO.
 */
final class PngThumbnail {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngThumbnail() {}

    /**
     * The thumbnail (at most {@code size} pixels a side, never larger than the picture), or null when this is not a
     * PNG this class decodes.
     *
     * @throws IOException when the file is a PNG that is corrupt or truncated, or declares more pixels than
     *     {@link ImageProbe}'s limits (nothing is decoded then)
     */
    static BufferedImage make(byte[] png, int size) throws IOException {
        if (png.length < 33 || !startsWithSignature(png)) {
            return null;
        }
        if (readInt(png, 8) != 13 || !isType(png, 12, "IHDR")) {
            throw new IOException("a PNG whose first chunk is not IHDR");
        }
        long width = readInt(png, 16) & 0xffffffffL;
        long height = readInt(png, 20) & 0xffffffffL;
        if (width == 0 || height == 0 || !ImageProbe.withinLimits(width, height)) {
            throw new IOException("a PNG of " + width + " x " + height + " pixels");
        }
        int channels = switch (png[25]) {
            case 0 -> 1; // grey
            case 2 -> 3; // RGB
            case 4 -> 2; // grey + alpha
            case 6 -> 4; // RGBA
            default -> 0; // palette
        };
        if (png[24] != 8 || channels == 0 || png[26] != 0 || png[27] != 0 || png[28] != 0) {
            return null;
        }
        List<int[]> data = new ArrayList<>();
        int pos = 33;
        while (true) {
            if (pos + 12 > png.length) {
                throw new IOException("a truncated PNG");
            }
            int length = readInt(png, pos);
            if (length < 0 || length > png.length - pos - 12) {
                throw new IOException("a truncated PNG");
            }
            if (isType(png, pos + 4, "IDAT")) {
                data.add(new int[] {pos + 8, length});
            } else if (isType(png, pos + 4, "tRNS")) {
                return null;
            } else if (isType(png, pos + 4, "IEND")) {
                break;
            }
            pos += 12 + length;
        }
        if (data.isEmpty()) {
            throw new IOException("a PNG without image data");
        }
        return new Rows(png, data, (int) width, (int) height, channels, size).scale();
    }

    /** The rows of one picture, inflated and unfiltered one at a time, summed into the thumbnail's pixels. */
    private static final class Rows {
        private final byte[] png;
        private final List<int[]> data;
        private final int width;
        private final int height;
        private final int channels;
        private final int outWidth;
        private final int outHeight;
        private final Inflater inflater = new Inflater();
        private final long[] reciprocal;
        private final int[] half;
        private int reciprocalRows;
        private int nextData;

        Rows(byte[] png, List<int[]> data, int width, int height, int channels, int size) {
            this.png = png;
            this.data = data;
            this.width = width;
            this.height = height;
            this.channels = channels;
            // The same size as Thumbnails.scale gives a picture decoded by ImageIO.
            double factor = Math.min(1.0, (double) size / Math.max(width, height));
            this.outWidth = Math.max(1, (int) Math.round(width * factor));
            this.outHeight = Math.max(1, (int) Math.round(height * factor));
            this.reciprocal = new long[outWidth];
            this.half = new int[outWidth];
        }

        BufferedImage scale() throws IOException {
            int stride = width * channels;
            byte[] row = new byte[stride + 1];
            byte[] previous = new byte[stride + 1];
            int[] column = new int[width];
            int[] columnCount = new int[outWidth];
            for (int x = 0; x < width; x++) {
                column[x] = (int) ((long) x * outWidth / width) * 3;
                columnCount[column[x] / 3]++;
            }
            int[] sums = new int[outWidth * 3];
            byte[] out = new byte[outWidth * outHeight * 3];
            try {
                int rowsInSum = 0;
                for (int y = 0; y < height; y++) {
                    inflateFully(row);
                    unfilter(row, previous, channels);
                    add(row, column, sums);
                    rowsInSum++;
                    int target = (int) ((long) y * outHeight / height);
                    if (y == height - 1 || (int) ((long) (y + 1) * outHeight / height) != target) {
                        emit(sums, columnCount, rowsInSum, out, target * outWidth * 3);
                        rowsInSum = 0;
                    }
                    byte[] swap = previous;
                    previous = row;
                    row = swap;
                }
            } finally {
                inflater.end();
            }
            return rgbImage(outWidth, outHeight, out);
        }

        private void inflateFully(byte[] row) throws IOException {
            int off = 0;
            try {
                while (off < row.length) {
                    int n = inflater.inflate(row, off, row.length - off);
                    off += n;
                    if (n == 0) {
                        if (inflater.needsInput() && nextData < data.size()) {
                            int[] chunk = data.get(nextData++);
                            inflater.setInput(png, chunk[0], chunk[1]);
                        } else {
                            throw new IOException("a PNG whose image data ends early");
                        }
                    }
                }
            } catch (DataFormatException e) {
                throw new IOException("a PNG whose image data is corrupt: " + e.getMessage(), e);
            }
        }

        /** Adds one unfiltered row (after its filter byte) into the sums of the thumbnail's row, over white. */
        private void add(byte[] row, int[] column, int[] sums) {
            if (channels == 3) { // the common case, without the per-pixel switch (C1 does not hoist it)
                for (int x = 0, i = 1; x < width; x++, i += 3) {
                    int o = column[x];
                    sums[o] += row[i] & 0xff;
                    sums[o + 1] += row[i + 1] & 0xff;
                    sums[o + 2] += row[i + 2] & 0xff;
                }
                return;
            }
            int i = 1;
            for (int x = 0; x < width; x++) {
                int o = column[x];
                int r;
                int g;
                int b;
                int a = 255;
                switch (channels) {
                    case 1 -> {
                        r = row[i++] & 0xff;
                        g = r;
                        b = r;
                    }
                    case 2 -> {
                        r = row[i++] & 0xff;
                        g = r;
                        b = r;
                        a = row[i++] & 0xff;
                    }
                    case 3 -> {
                        r = row[i++] & 0xff;
                        g = row[i++] & 0xff;
                        b = row[i++] & 0xff;
                    }
                    default -> {
                        r = row[i++] & 0xff;
                        g = row[i++] & 0xff;
                        b = row[i++] & 0xff;
                        a = row[i++] & 0xff;
                    }
                }
                if (a != 255) {
                    int white = 255 * (255 - a);
                    r = (r * a + white + 127) / 255;
                    g = (g * a + white + 127) / 255;
                    b = (b * a + white + 127) / 255;
                }
                sums[o] += r;
                sums[o + 1] += g;
                sums[o + 2] += b;
            }
        }

        /**
         * Writes one thumbnail row, each sum divided by its box's pixel count (rounded), and clears the sums. The
         * division is a multiplication by the count's reciprocal (three integer divisions per pixel were most of a
         * thumbnail's time under C1): with {@code m = ceil(2^40 / d)} the quotient is exact for every dividend below
         * {@code 2^40 / d}, and a dividend here is below {@code 256 d}, so for every box up to 65,535 pixels.
         */
        private void emit(int[] sums, int[] columnCount, int rows, byte[] out, int at) {
            if (rows != reciprocalRows) {
                for (int x = 0; x < outWidth; x++) {
                    long count = (long) columnCount[x] * rows;
                    reciprocal[x] = reciprocal(count);
                    half[x] = (int) (count / 2);
                }
                reciprocalRows = rows;
            }
            for (int x = 0; x < outWidth; x++) {
                long m = reciprocal[x];
                int h = half[x];
                int o = x * 3;
                out[at + o] = (byte) quotient(sums[o] + h, m);
                out[at + o + 1] = (byte) quotient(sums[o + 1] + h, m);
                out[at + o + 2] = (byte) quotient(sums[o + 2] + h, m);
                sums[o] = 0;
                sums[o + 1] = 0;
                sums[o + 2] = 0;
            }
        }
    }

    /** {@code ceil(2^40 / d)}: see {@link #quotient}. */
    static long reciprocal(long d) {
        return ((1L << 40) + d - 1) / d;
    }

    /** {@code n / d} for {@code m = reciprocal(d)}, exact for {@code 0 <= n < 2^40 / d} (all a box sum can be). */
    static long quotient(long n, long m) {
        return (n * m) >>> 40;
    }

    /** Reverses a row's PNG filter (its first byte) in place, given the row above it (zeros for the first row). */
    static void unfilter(byte[] row, byte[] previous, int bpp) throws IOException {
        int n = row.length;
        switch (row[0]) {
            case 0 -> {}
            case 1 -> {
                for (int i = 1 + bpp; i < n; i++) {
                    row[i] += row[i - bpp];
                }
            }
            case 2 -> {
                for (int i = 1; i < n; i++) {
                    row[i] += previous[i];
                }
            }
            case 3 -> {
                for (int i = 1; i < n; i++) {
                    int left = i > bpp ? row[i - bpp] & 0xff : 0;
                    row[i] += (byte) ((left + (previous[i] & 0xff)) >>> 1);
                }
            }
            case 4 -> {
                for (int i = 1; i < n; i++) {
                    int a = i > bpp ? row[i - bpp] & 0xff : 0;
                    int b = previous[i] & 0xff;
                    int c = i > bpp ? previous[i - bpp] & 0xff : 0;
                    int p = a + b - c;
                    int pa = Math.abs(p - a);
                    int pb = Math.abs(p - b);
                    int pc = Math.abs(p - c);
                    row[i] += (byte) (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
            }
            default -> throw new IOException("a PNG row with filter type " + row[0]);
        }
    }

    /**
     * An sRGB picture whose bytes are R, G, B in that order: the layout the JDK's JPEG writer takes without
     * converting each pixel (a {@code TYPE_INT_RGB} or {@code TYPE_3BYTE_BGR} image is copied through generic
     * raster code first).
     */
    static BufferedImage rgbImage(int width, int height, byte[] rgb) {
        WritableRaster raster = Raster.createInterleavedRaster(
                new DataBufferByte(rgb, rgb.length), width, height, width * 3, 3, new int[] {0, 1, 2}, null);
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        return new BufferedImage(model, raster, false, null);
    }

    private static boolean startsWithSignature(byte[] b) {
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (b[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isType(byte[] b, int at, String type) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1).equals(type);
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }
}
