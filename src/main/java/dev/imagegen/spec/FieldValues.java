package dev.imagegen.spec;

import java.net.URI;
import java.time.Duration;

/**
 * The typed values of a job file's keys, each read with the field's name so that every error names the field and
 * the fix: a required text, a whole number more than 0, a duration more than 0, an http(s) URL.
 */
final class FieldValues {

    private FieldValues() {}

    static String require(String field, String value, String hint) {
        if (value == null || value.isBlank()) {
            throw new JobFileException(field + ": missing; " + hint);
        }
        return value.strip();
    }

    static int positive(String field, Integer value, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value <= 0) {
            throw new JobFileException(field + ": must be a whole number more than 0, not " + value);
        }
        return value;
    }

    static Duration positiveDuration(String field, String text, Duration fallback) {
        if (text == null) {
            return fallback;
        }
        Duration d = Durations.parse(field, text);
        if (d.isZero()) {
            throw new JobFileException(field + ": must be more than 0, e.g. 5s");
        }
        return d;
    }

    static URI httpUrl(String field, String text, String example) {
        String url = text.strip();
        URI uri = httpUri(url);
        if (uri != null) {
            return uri;
        }
        // user:password@ in the URL is for basic auth: never printed
        throw new JobFileException(
                field + ": '" + url.replaceFirst("//[^/@]*@", "//****@") + "' is not an http(s) URL; e.g. " + example);
    }

    /** {@code url} (one trailing slash dropped) if it is an http(s) URL with a host, else null. */
    static URI httpUri(String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // not a URI at all
        }
        return null;
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
