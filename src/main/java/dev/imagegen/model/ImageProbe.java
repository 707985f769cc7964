package dev.imagegen.model;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Checks that bytes are a whole PNG, JPEG or WebP image and reads its size, without decoding pixels: the PNG chunk
 * chain with its CRCs up to IEND, JPEG markers from SOI to EOI, the WebP RIFF length. That catches the truncated and
 * corrupt bodies providers do send, at a fraction of the cost of a full decode. A picture larger than
 * {@link #MAX_SIDE} a side or {@link #MAX_PIXELS} in all is refused from its header: a few bytes can declare
 * 100000 x 100000 pixels, which no one should try to decode.
 */
public final class ImageProbe {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImageProbe.class);

    /** The most pixels a side of an accepted picture has (image models make at most 4096 today). */
    public static final int MAX_SIDE = 16_384;
    /** The most pixels an accepted picture has: 100 megapixels, 400 MB as RGBA once decoded. */
    public static final long MAX_PIXELS = 100_000_000L;

    private ImageProbe() {}

    /**
     * @param declaredType the media type the provider declared, or null when it did not say; when the bytes are
     *                     a whole image of another type, theirs wins (with a warning)
     * @throws InvalidImageException when the bytes are not a whole image
     */
    public static ImageData inspect(byte[] b, String declaredType) throws InvalidImageException {
        return inspect(b, 0, b.length, declaredType);
    }

    /** As {@link #inspect(byte[], String)}, of the {@code length} bytes of {@code b} from {@code offset}. */
    public static ImageData inspect(byte[] b, int offset, int length, String declaredType)
            throws InvalidImageException {
        ByteBuffer bytes = ByteBuffer.wrap(b, offset, length).slice();
        String actual = sniff(bytes);
        if (actual == null) {
            throw new InvalidImageException("not a PNG, JPEG or WebP image (" + length + " bytes)");
        }
        if (declaredType != null
                && !declaredType.isBlank()
                && !normalise(declaredType).equals(actual)) {
            // A whole, valid image under the wrong label (a PNG sent as data:image/jpeg) is still the image that
            // was paid for: the bytes decide its type and file extension.
            log.warn(
                    "an image declared as {} is really {} ({} bytes); stored as {}",
                    declaredType.strip(),
                    actual,
                    length,
                    actual);
        }
        long[] size = switch (actual) {
            case "image/png" -> png(bytes);
            case "image/jpeg" -> jpeg(bytes);
            default -> webp(bytes);
        };
        checkSize(actual, size[0], size[1]);
        return new ImageData(b, offset, length, actual, (int) size[0], (int) size[1]);
    }

    /**
     * Refuses a size that is empty or over the limits, as read from a header (nothing decoded).
     *
     * @throws InvalidImageException naming the size and the limit
     */
    public static void checkSize(String mediaType, long width, long height) throws InvalidImageException {
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(mediaType + " with no size (" + width + "x" + height + ")");
        }
        if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
            throw new InvalidImageException(mediaType + " declares " + width + "x" + height + " pixels, more than "
                    + "the limit of " + MAX_SIDE + " a side and " + MAX_PIXELS / 1_000_000 + " megapixels; it is "
                    + "not decoded");
        }
    }

    /** Whether a picture of this size may be decoded (see {@link #checkSize}). */
    public static boolean withinLimits(long width, long height) {
        return width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE && width * height <= MAX_PIXELS;
    }

    static String normalise(String mediaType) {
        String t = mediaType.toLowerCase().strip();
        int semi = t.indexOf(';');
        t = semi >= 0 ? t.substring(0, semi) : t;
        return t.equals("image/jpg") ? "image/jpeg" : t;
    }

    private static String sniff(ByteBuffer b) {
        if (b.limit() >= 8 && (b.get(0) & 0xff) == 0x89 && b.get(1) == 'P' && b.get(2) == 'N' && b.get(3) == 'G') {
            return "image/png";
        }
        if (b.limit() >= 3 && (b.get(0) & 0xff) == 0xFF && (b.get(1) & 0xff) == 0xD8 && (b.get(2) & 0xff) == 0xFF) {
            return "image/jpeg";
        }
        if (b.limit() >= 12
                && b.get(0) == 'R'
                && b.get(1) == 'I'
                && b.get(2) == 'F'
                && b.get(3) == 'F'
                && b.get(8) == 'W'
                && b.get(9) == 'E'
                && b.get(10) == 'B'
                && b.get(11) == 'P') {
            return "image/webp";
        }
        return null;
    }

    private static long[] png(ByteBuffer b) throws InvalidImageException {
        int pos = 8;
        long width = -1;
        long height = -1;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (pos + 12 > b.limit()) {
                throw new InvalidImageException("PNG truncated at byte " + pos + " of " + b.limit());
            }
            long length = u32be(b, pos);
            if (length > b.limit() - pos - 12) {
                throw new InvalidImageException("PNG truncated: a chunk at byte " + pos + " runs past the end");
            }
            int len = (int) length;
            String type = ascii(b, pos + 4);
            if (first) {
                if (!type.equals("IHDR") || len != 13) {
                    throw new InvalidImageException("PNG does not start with an IHDR chunk");
                }
                width = u32be(b, pos + 8);
                height = u32be(b, pos + 12);
                first = false;
            }
            crc.reset();
            crc.update(b.slice(pos + 4, len + 4));
            if (crc.getValue() != u32be(b, pos + 8 + len)) {
                throw new InvalidImageException("PNG chunk " + type + " at byte " + pos + " has a bad CRC");
            }
            pos += len + 12;
            if (type.equals("IEND")) {
                return new long[] {width, height};
            }
        }
    }

    private static long[] jpeg(ByteBuffer b) throws InvalidImageException {
        if (!endsWithEoi(b)) {
            throw new InvalidImageException("JPEG truncated: no end-of-image marker");
        }
        int pos = 2;
        while (pos + 4 <= b.limit()) {
            if ((b.get(pos) & 0xff) != 0xFF) {
                throw new InvalidImageException("JPEG marker expected at byte " + pos);
            }
            int marker = b.get(pos + 1) & 0xff;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            int len = ((b.get(pos + 2) & 0xff) << 8) | (b.get(pos + 3) & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (pos + 9 > b.limit()) {
                    break;
                }
                int height = ((b.get(pos + 5) & 0xff) << 8) | (b.get(pos + 6) & 0xff);
                int width = ((b.get(pos + 7) & 0xff) << 8) | (b.get(pos + 8) & 0xff);
                return new long[] {width, height};
            }
            if (marker == 0xDA || len < 2) {
                break;
            }
            pos += 2 + len;
        }
        throw new InvalidImageException("JPEG has no frame header");
    }

    private static boolean endsWithEoi(ByteBuffer b) {
        // Some encoders pad after EOI; look at the tail rather than the last two bytes only.
        for (int i = b.limit() - 2; i >= Math.max(2, b.limit() - 64); i--) {
            if ((b.get(i) & 0xff) == 0xFF && (b.get(i + 1) & 0xff) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static long[] webp(ByteBuffer b) throws InvalidImageException {
        long riff = u32le(b, 4);
        if (riff + 8 > b.limit()) {
            throw new InvalidImageException("WebP truncated: RIFF says " + (riff + 8) + " bytes, got " + b.limit());
        }
        if (b.limit() < 30) {
            throw new InvalidImageException("WebP too short");
        }
        String chunk = ascii(b, 12);
        int d = 20;
        return switch (chunk) {
            case "VP8 " -> new long[] {u16le(b, d + 6) & 0x3fff, u16le(b, d + 8) & 0x3fff};
            case "VP8L" -> {
                long bits = u32le(b, d + 1);
                yield new long[] {(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
            }
            case "VP8X" -> new long[] {u24le(b, d + 4) + 1, u24le(b, d + 7) + 1};
            default -> throw new InvalidImageException("WebP with unknown chunk '" + chunk + "'");
        };
    }

    private static long u32be(ByteBuffer b, int i) {
        return ((long) (b.get(i) & 0xff) << 24)
                | ((b.get(i + 1) & 0xff) << 16)
                | ((b.get(i + 2) & 0xff) << 8)
                | (b.get(i + 3) & 0xff);
    }

    private static long u32le(ByteBuffer b, int i) {
        return ((long) (b.get(i + 3) & 0xff) << 24)
                | ((b.get(i + 2) & 0xff) << 16)
                | ((b.get(i + 1) & 0xff) << 8)
                | (b.get(i) & 0xff);
    }

    private static int u24le(ByteBuffer b, int i) {
        return ((b.get(i + 2) & 0xff) << 16) | ((b.get(i + 1) & 0xff) << 8) | (b.get(i) & 0xff);
    }

    private static int u16le(ByteBuffer b, int i) {
        return ((b.get(i + 1) & 0xff) << 8) | (b.get(i) & 0xff);
    }

    private static String ascii(ByteBuffer b, int i) {
        byte[] four = new byte[4];
        b.get(i, four);
        return new String(four, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Bytes that are not a whole image of the expected type. */
    public static final class InvalidImageException extends Exception {
        public InvalidImageException(String message) {
            super(message);
        }
    }
}
