package dev.imagegen.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Real PNG files for the fake server: an RGB image of noise (so it does not compress below the wanted size) with a
 * text chunk that makes every image's bytes unique.
 */
public final class TestPng {

    private TestPng() {}

    /** A PNG of roughly {@code approxBytes} (at least a small one), tagged with {@code text}. */
    public static byte[] of(int approxBytes, String text) {
        int side = Math.max(8, (int) Math.sqrt(Math.max(64, approxBytes) / 3.0));
        return build(side, side, text, new Random(text.hashCode()));
    }

    public static byte[] build(int width, int height, String text, Random random) {
        byte[] raw = new byte[(width * 3 + 1) * height];
        random.nextBytes(raw);
        for (int y = 0; y < height; y++) {
            raw[y * (width * 3 + 1)] = 0; // filter: none
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream idat = new ByteArrayOutputStream(raw.length + 1024);
        byte[] buf = new byte[64 * 1024];
        while (!deflater.finished()) {
            int n = deflater.deflate(buf);
            idat.write(buf, 0, n);
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream(idat.size() + 256);
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "tEXt", ("Comment\0" + text).getBytes(StandardCharsets.ISO_8859_1));
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /**
     * A whole, valid PNG (CRCs and all) whose header declares {@code width x height} pixels but whose data is a few
     * bytes: what a hostile server sends to make a decoder allocate gigabytes.
     */
    public static byte[] declaring(long width, long height) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt((int) width)
                .putInt((int) height)
                .put((byte) 1)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", deflate(new byte[64]));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /**
     * A real, decodable black-and-white PNG (1 bit per pixel, all white) of any size, in a few kilobytes per
     * megapixel: large pictures without large test files.
     */
    public static byte[] bilevel(int width, int height) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] row = new byte[1 + (width + 7) / 8];
        java.util.Arrays.fill(row, (byte) 0xff);
        row[0] = 0; // filter: none
        byte[] buf = new byte[64 * 1024];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream(idat.size() + 64);
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 1)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        byte[] buf = new byte[raw.length + 64];
        int n = deflater.deflate(buf);
        deflater.end();
        return java.util.Arrays.copyOf(buf, n);
    }

    /** Appends one PNG chunk: length, type, data and CRC. */
    public static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
