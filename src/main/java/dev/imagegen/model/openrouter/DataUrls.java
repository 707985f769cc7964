package dev.imagegen.model.openrouter;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.model.ModelCallException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** {@code data:image/png;base64,...} → checked image bytes, decoded straight from the response body. */
final class DataUrls {

    private static final byte[] BASE64_MARK = ";base64,".getBytes(StandardCharsets.US_ASCII);

    private DataUrls() {}

    static ImageData decode(byte[] body, int start, int end, Double billed) throws ModelCallException {
        int headerEnd = indexOf(body, start, Math.min(end, start + 200), BASE64_MARK);
        if (end - start < 5 || !new String(body, start, 5, StandardCharsets.US_ASCII).equals("data:")) {
            throw new ModelCallException(
                    FailureKind.NO_IMAGE,
                    200,
                    "the image is not a data URL ("
                            + new String(body, start, Math.min(80, end - start), StandardCharsets.UTF_8) + ")",
                    null,
                    billed);
        }
        if (headerEnd < 0) {
            throw new ModelCallException(
                    FailureKind.INVALID_IMAGE, 200, "the image data URL is not base64", null, billed);
        }
        String declared = new String(body, start + 5, headerEnd - start - 5, StandardCharsets.US_ASCII);
        int from = headerEnd + BASE64_MARK.length;
        byte[] bytes;
        try {
            ByteBuffer out = Base64.getMimeDecoder().decode(ByteBuffer.wrap(body, from, end - from));
            bytes = out.remaining() == out.array().length
                    ? out.array()
                    : Arrays.copyOfRange(out.array(), out.position(), out.limit());
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(
                    FailureKind.INVALID_IMAGE, 200, "the image's base64 is corrupt: " + e.getMessage(), null, billed);
        }
        return probe(bytes, declared, billed);
    }

    /** The slow path, for a URL that came with JSON escapes. */
    static ImageData decode(String url, Double billed) throws ModelCallException {
        byte[] ascii = url.getBytes(StandardCharsets.ISO_8859_1);
        return decode(ascii, 0, ascii.length, billed);
    }

    private static ImageData probe(byte[] bytes, String declared, Double billed) throws ModelCallException {
        try {
            return ImageProbe.inspect(bytes, declared.isEmpty() ? null : declared);
        } catch (ImageProbe.InvalidImageException e) {
            throw new ModelCallException(FailureKind.INVALID_IMAGE, 200, e.getMessage(), null, billed);
        }
    }

    private static int indexOf(byte[] haystack, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
