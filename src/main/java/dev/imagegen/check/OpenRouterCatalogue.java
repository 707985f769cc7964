package dev.imagegen.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Reading OpenRouter's catalogue entries, free of any job: modality lists, the Image API's parameter descriptors
 * ({@code enum}, {@code range}, {@code boolean}) and the nearest names for "did you mean".
 */
final class OpenRouterCatalogue {

    private OpenRouterCatalogue() {}

    /** Null when the value is allowed by a {@code {"type":"enum"|"range"|"boolean"}} descriptor. */
    static String violates(JsonNode descriptor, Object value) {
        String type = descriptor.path("type").asString("");
        switch (type) {
            case "enum" -> {
                Set<String> allowed = new TreeSet<>();
                descriptor.path("values").forEach(v -> allowed.add(v.asString()));
                return allowed.isEmpty() || allowed.contains(String.valueOf(value))
                        ? null
                        : "'" + value + "' is not allowed; use one of " + allowed;
            }
            case "range" -> {
                double v;
                try {
                    v = Double.parseDouble(String.valueOf(value));
                } catch (NumberFormatException e) {
                    return "'" + value + "' is not a number";
                }
                JsonNode min = descriptor.get("min");
                JsonNode max = descriptor.get("max");
                boolean below = min != null && min.isNumber() && v < min.asDouble();
                boolean above = max != null && max.isNumber() && v > max.asDouble();
                return below || above
                        ? value + " is outside " + (min == null ? "" : min.asString()) + ".."
                                + (max == null ? "" : max.asString())
                        : null;
            }
            case "boolean" -> {
                return value instanceof Boolean
                                || "true".equals(String.valueOf(value))
                                || "false".equals(String.valueOf(value))
                        ? null
                        : "'" + value + "' is not true or false";
            }
            default -> {
                return null;
            }
        }
    }

    static boolean inputsImages(JsonNode m) {
        return contains(m.path("architecture").path("input_modalities"), "image");
    }

    static boolean contains(JsonNode array, String value) {
        if (!array.isArray()) {
            return false;
        }
        for (JsonNode v : array) {
            if (value.equals(v.asString(""))) {
                return true;
            }
        }
        return false;
    }

    static String names(JsonNode object) {
        List<String> names = new ArrayList<>(object.propertyNames());
        return names.isEmpty() ? "no options" : names.stream().sorted().collect(Collectors.joining(", "));
    }

    /** Levenshtein distance, for "did you mean". */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
