package dev.imagegen.batch;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a result file (JSONL) one line at a time from a stream with Jackson's streaming parser: the whole file is
 * never in memory, and an image's base64 is decoded straight into its bytes ({@code readBinaryValue}) without
 * becoming a string first. Fields are taken in whatever order the line has them; everything else is skipped.
 */
final class ResultFileReader implements Closeable {

    private final JsonParser parser;
    private final ObjectReader trees;
    private final long batch;
    private final Scratch scratch = new Scratch();

    /** A {@link java.io.ByteArrayOutputStream} without locks, whose buffer stays for the next image. */
    private static final class Scratch extends OutputStream {
        private byte[] buf = new byte[64 * 1024];
        private int size;

        void reset() {
            size = 0;
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    ResultFileReader(JsonMapper json, InputStream in, long batch) {
        this.parser = json.createParser(in);
        this.trees = json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.batch = batch;
    }

    /** The next line, or null at the end of the file. */
    BatchLine next() {
        JsonToken t = parser.nextToken();
        if (t == null) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new IllegalStateException("a result line that is not a JSON object (" + t + ")");
        }
        String customId = null;
        Integer status = null;
        String requestId = null;
        Body body = new Body();
        JsonNode error = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "custom_id" -> customId = text(value);
                case "error" -> error = value == JsonToken.VALUE_NULL ? null : trees.readTree(parser);
                case "response" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                            String field = parser.currentName();
                            JsonToken v = parser.nextToken();
                            switch (field) {
                                case "status_code" ->
                                    status = v == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                                case "request_id" -> requestId = text(v);
                                case "body" -> readBody(v, body);
                                default -> parser.skipChildren();
                            }
                        }
                    } else {
                        parser.skipChildren();
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (customId == null) {
            throw new IllegalStateException("a result line without custom_id");
        }
        return new BatchLine(
                batch,
                customId,
                status,
                requestId,
                body.images,
                body.outputFormat,
                body.usage,
                body.error,
                error,
                null);
    }

    private static final class Body {
        final List<byte[]> images = new ArrayList<>(1);
        String outputFormat;
        JsonNode usage;
        JsonNode error;
    }

    private void readBody(JsonToken value, Body body) {
        if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return;
        }
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            JsonToken v = parser.nextToken();
            switch (name) {
                case "output_format" -> body.outputFormat = text(v);
                case "usage" -> body.usage = trees.readTree(parser);
                case "error" -> body.error = v == JsonToken.VALUE_NULL ? null : trees.readTree(parser);
                case "data" -> {
                    if (v != JsonToken.START_ARRAY) {
                        parser.skipChildren();
                        break;
                    }
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                            String field = parser.currentName();
                            JsonToken item = parser.nextToken();
                            if (field.equals("b64_json") && item == JsonToken.VALUE_STRING) {
                                body.images.add(decoded());
                            } else {
                                parser.skipChildren();
                            }
                        }
                    }
                }
                default -> parser.skipChildren();
            }
        }
    }

    /**
     * The current base64 string decoded through a buffer kept from line to line: one exact copy per image, not
     * the growing segments of {@code getBinaryValue} (the reader is the collect's one serial thread).
     */
    private byte[] decoded() {
        scratch.reset();
        parser.readBinaryValue(scratch);
        return scratch.toByteArray();
    }

    private String text(JsonToken value) {
        if (value == JsonToken.VALUE_STRING) {
            return parser.getString();
        }
        parser.skipChildren();
        return null;
    }

    @Override
    public void close() {
        parser.close();
    }
}
