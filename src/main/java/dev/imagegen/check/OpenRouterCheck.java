package dev.imagegen.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import tools.jackson.databind.JsonNode;

/**
 * OpenRouter: {@code GET /key} for the key and its remaining limit, then the model catalogue — for chat completions
 * {@code GET /models?output_modalities=image} (architecture and {@code supported_parameters} as a list), for the
 * Image API {@code GET /images/models} (supported parameters with their allowed values, so every option is checked).
 */
final class OpenRouterCheck {

    /** OpenRouter's documented routing preference keys; another one is reported, not refused. */
    private static final Set<String> ROUTING_KEYS = Set.of("allow_fallbacks", "data_collection",
            "enforce_distillable_text", "ignore", "max_price", "only", "order", "preferred_max_latency",
            "preferred_min_throughput", "quantizations", "require_parameters", "sort", "zdr", "options");

    private final ProviderApi api;
    private final JobSpec spec;
    private final ModelSpec model;
    private final boolean imagesApi;
    private final List<Finding> findings = new ArrayList<>();
    private int imagesPerCall;

    OpenRouterCheck(ProviderApi api, JobSpec spec) {
        this.api = api;
        this.spec = spec;
        this.model = spec.model();
        this.imagesApi = ModelSpec.OPENROUTER_IMAGES.equals(model.provider());
        this.imagesPerCall = model.imagesPerCall();
    }

    CheckReport run(String target) {
        try {
            checkKey();
            checkModels();
        } catch (ProviderApi.Unreachable e) {
            findings.add(Finding.unreachable("provider", "OpenRouter could not be asked: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            findings.add(Finding.unreachable("provider", "interrupted"));
        }
        checkRouting();
        return new CheckReport(target, findings, imagesPerCall);
    }

    private void checkKey() throws ProviderApi.Unreachable, InterruptedException {
        ProviderApi.Answer a = api.get("/key");
        switch (a.status()) {
            case 200 -> {
                JsonNode remaining = a.body() == null ? null : a.body().path("data").get("limit_remaining");
                if (remaining != null && remaining.isNumber() && remaining.asDouble() <= 0) {
                    findings.add(Finding.key("model.api-key", "the key's credit limit is used up (limit_remaining "
                            + remaining.asDouble() + "). Raise the key's limit or add credits"));
                } else {
                    findings.add(Finding.ok("model.api-key", "accepted" + (remaining != null && remaining.isNumber()
                            ? String.format(" ($%.2f left of its limit)", remaining.asDouble()) : "")));
                }
            }
            case 401, 403 -> findings.add(Finding.key("model.api-key", "OpenRouter refused the key (HTTP "
                    + a.status() + ": " + a.errorMessage() + "). Export a valid key, e.g. OPENROUTER_API_KEY"));
            case 402 -> findings.add(Finding.key("model.api-key", "out of credits (HTTP 402: " + a.errorMessage()
                    + "). Add credits"));
            default -> findings.add(Finding.unreachable("model.api-key", "GET /key answered HTTP " + a.status()
                    + ": " + a.errorMessage()));
        }
    }

    private void checkModels() throws ProviderApi.Unreachable, InterruptedException {
        String path = imagesApi ? "/images/models" : "/models?output_modalities=image";
        ProviderApi.Answer a = api.get(path);
        if (a.status() != 200 || a.body() == null || !a.body().path("data").isArray()) {
            findings.add(Finding.unreachable("model.name", "GET " + path + " answered HTTP " + a.status()
                    + (a.body() == null ? "" : ": " + a.errorMessage())));
            return;
        }
        Map<String, JsonNode> catalogue = new LinkedHashMap<>();
        a.body().path("data").forEach(m -> catalogue.put(m.path("id").asString(""), m));
        JsonNode primary = catalogue.get(model.name());
        if (primary == null) {
            findings.add(Finding.config("model.name", unknownModel(model.name(), catalogue.keySet())));
        } else {
            checkModel(primary);
        }
        for (int i = 0; i < model.fallbackModels().size(); i++) {
            String name = model.fallbackModels().get(i);
            JsonNode fallback = catalogue.get(name);
            if (fallback == null) {
                findings.add(Finding.config("model.fallback-models[" + i + "]", unknownModel(name,
                        catalogue.keySet())));
            } else if (spec.source().hasReferenceColumn() && !inputsImages(fallback)) {
                findings.add(Finding.config("model.fallback-models[" + i + "]", "'" + name + "' takes no image "
                        + "input, but source.reference-column sends reference images"));
            } else {
                findings.add(Finding.ok("model.fallback-models[" + i + "]", "'" + name + "' makes images"));
            }
        }
    }

    private String unknownModel(String name, Set<String> known) {
        String list = imagesApi ? "OpenRouter's Image API models (GET /images/models)"
                : "OpenRouter's image-output models (GET /models?output_modalities=image)";
        List<String> near = known.stream()
                .sorted(Comparator.comparingInt(k -> distance(k, name)))
                .limit(3).toList();
        return "'" + name + "' is not one of " + list + (near.isEmpty() ? "" : "; the nearest are "
                + String.join(", ", near));
    }

    private void checkModel(JsonNode m) {
        JsonNode outputs = m.path("architecture").path("output_modalities");
        if (!contains(outputs, "image")) {
            findings.add(Finding.config("model.name", "'" + model.name() + "' does not output images"));
            return;
        }
        findings.add(Finding.ok("model.name", "'" + model.name() + "' makes images"));
        if (spec.source().hasReferenceColumn() && !inputsImages(m)) {
            findings.add(Finding.config("source.reference-column", "'" + model.name() + "' takes no image input, "
                    + "so it cannot use reference images"));
        }
        if (imagesApi) {
            checkImageOptions(m.path("supported_parameters"));
        } else if (model.seed() != null && !contains(m.path("supported_parameters"), "seed")) {
            findings.add(Finding.warn("model.seed", "'" + model.name() + "' does not list seed among its supported "
                    + "parameters; OpenRouter drops it, so images are not reproducible"));
        }
    }

    /** The Image API lists each parameter with its allowed values; an absent one is unsupported. */
    private void checkImageOptions(JsonNode supported) {
        for (Map.Entry<String, Object> option : model.imageConfig().entrySet()) {
            String name = option.getKey().equals("image_size") ? "resolution" : option.getKey();
            String subject = "model.image-config." + option.getKey();
            JsonNode descriptor = supported.get(name);
            if (descriptor == null) {
                findings.add(Finding.config(subject, "'" + model.name() + "' does not take '" + name + "'; it takes "
                        + names(supported)));
                continue;
            }
            String problem = violates(descriptor, option.getValue());
            if (problem != null) {
                findings.add(Finding.config(subject, problem));
            }
        }
        if (model.seed() != null && supported.get("seed") == null) {
            findings.add(Finding.warn("model.seed", "'" + model.name() + "' takes no seed; images are not "
                    + "reproducible"));
        }
        if (imagesPerCall > 1) {
            JsonNode n = supported.get("n");
            int max = n == null ? 1 : n.path("max").isNumber() ? n.path("max").asInt() : imagesPerCall;
            if (max < imagesPerCall) {
                imagesPerCall = Math.max(1, max);
                findings.add(Finding.ok("model.images-per-call", "'" + model.name() + "' makes at most "
                        + imagesPerCall + " image" + (imagesPerCall == 1 ? "" : "s") + " per call; the run asks for "
                        + "that many at a time"));
            } else {
                findings.add(Finding.ok("model.images-per-call", imagesPerCall + " images per call"));
            }
        }
    }

    /** Null when the value is allowed by a {@code {"type":"enum"|"range"|"boolean"}} descriptor. */
    private static String violates(JsonNode descriptor, Object value) {
        String type = descriptor.path("type").asString("");
        switch (type) {
            case "enum" -> {
                Set<String> allowed = new TreeSet<>();
                descriptor.path("values").forEach(v -> allowed.add(v.asString()));
                return allowed.isEmpty() || allowed.contains(String.valueOf(value)) ? null
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
                return below || above ? value + " is outside " + (min == null ? "" : min.asString()) + ".."
                        + (max == null ? "" : max.asString()) : null;
            }
            case "boolean" -> {
                return value instanceof Boolean || "true".equals(String.valueOf(value))
                        || "false".equals(String.valueOf(value)) ? null : "'" + value + "' is not true or false";
            }
            default -> {
                return null;
            }
        }
    }

    private void checkRouting() {
        Set<String> unknown = new TreeSet<>(model.providerRouting().keySet());
        unknown.removeAll(ROUTING_KEYS);
        if (!unknown.isEmpty()) {
            findings.add(Finding.warn("model.provider-routing", "keys " + unknown + " are not OpenRouter routing "
                    + "preferences I know of (" + new TreeSet<>(ROUTING_KEYS) + "); they are sent as written"));
        }
    }

    private static boolean inputsImages(JsonNode m) {
        return contains(m.path("architecture").path("input_modalities"), "image");
    }

    private static boolean contains(JsonNode array, String value) {
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

    private static String names(JsonNode object) {
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
