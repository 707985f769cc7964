package dev.imagegen.model.openrouter;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.StrictBase64;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** {@code data:image/png;base64,...} → checked image bytes, decoded straight from the response body. */
final class DataUrls {

    private static final byte[] BASE64_MARK = ";base64,".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BACKSLASH = {'\\'};

    private DataUrls() {}

    static ImageData decode(byte[] body, int start, int end, Double billed) throws ModelCallException {
        int headerLimit = Math.min(end, start + 200);
        if (indexOf(body, start, headerLimit, BACKSLASH) >= 0) {
            return decode(ChatCompletionReader.unescape(body, start, end), billed);
        }
        int headerEnd = indexOf(body, start, headerLimit, BASE64_MARK);
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
        int length;
        try {
            length = StrictBase64.decodeInPlace(body, from, end);
        } catch (IllegalArgumentException strict) {
            return decodeLoosely(body, start, from, end, declared, billed);
        }
        return probe(body, from, length, declared, billed);
    }

    /**
     * Not plain base64 (the strict decoder left the text as it was): escaped in the JSON (a line break written as
     * \n), or with characters the MIME decoder skips. The strict decoder goes first because the MIME one scans the
     * whole text before it starts.
     */
    private static ImageData decodeLoosely(byte[] body, int start, int from, int end, String declared, Double billed)
            throws ModelCallException {
        if (indexOf(body, from, end, BACKSLASH) >= 0) {
            return decode(ChatCompletionReader.unescape(body, start, end), billed);
        }
        byte[] bytes;
        try {
            bytes = bytes(Base64.getMimeDecoder().decode(ByteBuffer.wrap(body, from, end - from)));
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(
                    FailureKind.INVALID_IMAGE, 200, "the image's base64 is corrupt: " + e.getMessage(), null, billed);
        }
        return probe(bytes, 0, bytes.length, declared, billed);
    }

    /** The slow path, for a URL whose JSON escapes were decoded. */
    static ImageData decode(String url, Double billed) throws ModelCallException {
        byte[] ascii = url.getBytes(StandardCharsets.ISO_8859_1);
        if (indexOf(ascii, 0, ascii.length, BACKSLASH) >= 0) {
            // A backslash in the text itself is no base64 (and must not send us round again).
            throw new ModelCallException(
                    FailureKind.INVALID_IMAGE, 200, "the image data URL holds a backslash", null, billed);
        }
        return decode(ascii, 0, ascii.length, billed);
    }

    private static byte[] bytes(ByteBuffer out) {
        return out.remaining() == out.array().length
                ? out.array()
                : Arrays.copyOfRange(out.array(), out.position(), out.limit());
    }

    private static ImageData probe(byte[] bytes, int offset, int length, String declared, Double billed)
            throws ModelCallException {
        try {
            return ImageProbe.inspect(bytes, offset, length, declared.isEmpty() ? null : declared);
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
