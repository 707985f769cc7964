package dev.imagegen.model;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The bytes of one image with what was read from them: its real type and size. The bytes are {@code length} bytes of
 * {@code buffer} from {@code offset}: an image decoded from a response body lies where its base64 text lay, so a call
 * holds one array for both (at C=64 with 4 MiB images a second array per call was a third of the heap).
 */
public record ImageData(byte[] buffer, int offset, int length, String mediaType, int width, int height) {

    public ImageData {
        Objects.checkFromIndexSize(offset, length, buffer.length);
    }

    /** An image that is the whole array. */
    public ImageData(byte[] bytes, String mediaType, int width, int height) {
        this(bytes, 0, bytes.length, mediaType, width, height);
    }

    /** The image's bytes, for reading: a fresh view each time (writing it moves its position). */
    public ByteBuffer content() {
        return ByteBuffer.wrap(buffer, offset, length);
    }

    /** The image's bytes as an array of their own (the buffer itself when it holds nothing else). */
    public byte[] bytes() {
        return offset == 0 && length == buffer.length ? buffer : Arrays.copyOfRange(buffer, offset, offset + length);
    }

    public String extension() {
        return switch (mediaType) {
            case "image/jpeg" -> "jpg";
            case "image/webp" -> "webp";
            default -> "png";
        };
    }
}
