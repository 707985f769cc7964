package dev.imagegen.model.openrouter;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a chat completion from the raw response bytes without turning the image data URLs into strings: the
 * streaming parser skips over each {@code image_url.url} value and only its byte range in the body is kept, so the
 * base64 is decoded straight from the body (one copy: the image itself). Everything else is small and read as usual.
 */
final class ChatCompletionReader {

    /**
     * Where a data URL sits in the body ({@code start} at its first character, escapes left in), or its text when the
     * parser could not say where.
     */
    record ImageRef(int start, int end, String text) {}

    record ChatCompletion(
            String id,
            String model,
            String provider,
            JsonNode usage,
            JsonNode error,
            String finishReason,
            String nativeFinishReason,
            JsonNode choiceError,
            String text,
            List<ImageRef> images) {}

    private ChatCompletionReader() {}

    static ChatCompletion read(JsonMapper mapper, byte[] body) {
        // Small parts (usage, error) are read as trees mid-stream: there is more JSON after them.
        ObjectReader json = mapper.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        String id = null;
        String model = null;
        String provider = null;
        JsonNode usage = null;
        JsonNode error = null;
        Choice choice = new Choice();
        try (JsonParser p = mapper.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> id = textOrNull(p, value);
                    case "model" -> model = textOrNull(p, value);
                    case "provider" -> provider = textOrNull(p, value);
                    case "usage" -> usage = json.readTree(p);
                    case "error" -> error = json.readTree(p);
                    case "choices" -> readChoices(json, p, body, choice);
                    default -> p.skipChildren();
                }
            }
        }
        return new ChatCompletion(
                id,
                model,
                provider,
                usage,
                error,
                choice.finishReason,
                choice.nativeFinishReason,
                choice.error,
                choice.text,
                choice.images);
    }

    private static final class Choice {
        String finishReason;
        String nativeFinishReason;
        JsonNode error;
        String text;
        final List<ImageRef> images = new ArrayList<>();
    }

    private static void readChoices(ObjectReader json, JsonParser p, byte[] body, Choice choice) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        boolean first = true;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            if (!first) {
                p.skipChildren(); // only choices[0] carries our image
                continue;
            }
            first = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "finish_reason" -> choice.finishReason = textOrNull(p, value);
                    case "native_finish_reason" -> choice.nativeFinishReason = textOrNull(p, value);
                    case "error" -> choice.error = json.readTree(p);
                    case "message", "delta" -> readMessage(p, body, choice);
                    default -> p.skipChildren();
                }
            }
        }
    }

    private static void readMessage(JsonParser p, byte[] body, Choice choice) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("content")) {
                choice.text = textOrNull(p, value);
            } else if (name.equals("images") && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    ImageRef ref = readImage(p, body);
                    if (ref != null) {
                        choice.images.add(ref);
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /** One {@code images[]} item: {@code {"type":"image_url","image_url":{"url":"data:..."}}} (type optional). */
    private static ImageRef readImage(JsonParser p, byte[] body) {
        ImageRef ref = null;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("image_url") && value == JsonToken.START_OBJECT) {
                JsonToken t = p.nextToken();
                while (t == JsonToken.PROPERTY_NAME) {
                    String inner = p.currentName();
                    JsonToken v = p.nextToken();
                    if (inner.equals("url") && v == JsonToken.VALUE_STRING) {
                        long open = p.currentTokenLocation().getByteOffset();
                        if (open < 0 || open >= body.length || body[(int) open] != '"') {
                            ref = new ImageRef(-1, -1, p.getString());
                            t = p.nextToken();
                            continue;
                        }
                        t = p.nextToken(); // the parser skips the string here: the one pass over its bytes
                        ref = between(body, (int) open, p.currentTokenLocation().getByteOffset());
                    } else {
                        p.skipChildren();
                        t = p.nextToken();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return ref;
    }

    /**
     * The byte range of a string value that opens at {@code open}, found from where the token after it begins (back
     * over white space and a comma to the closing quote), so the value's bytes are not scanned a second time. Its
     * escapes, if any (rare: an encoder writing {@code \/}), are left in: {@link DataUrls} handles them.
     */
    private static ImageRef between(byte[] body, int open, long next) {
        int close = (int) Math.min(next, body.length) - 1;
        while (close > open && (body[close] == ',' || Character.isWhitespace(body[close]))) {
            close--;
        }
        if (close <= open || body[close] != '"') {
            throw new IllegalArgumentException("cannot find the end of the image data URL");
        }
        return new ImageRef(open + 1, close, null);
    }

    /** The text of the JSON string whose contents are {@code body[start, end)}, its escapes decoded. */
    static String unescape(byte[] body, int start, int end) {
        try (JsonParser p = JsonMapper.shared().createParser(body, start - 1, end - start + 2)) {
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new IllegalArgumentException("not a JSON string");
            }
            return p.getString();
        }
    }

    private static String textOrNull(JsonParser p, JsonToken value) {
        if (value == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        p.skipChildren();
        return null;
    }
}
