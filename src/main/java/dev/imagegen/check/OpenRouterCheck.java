package dev.imagegen.check;

import static dev.imagegen.check.OpenRouterCatalogue.contains;
import static dev.imagegen.check.OpenRouterCatalogue.distance;
import static dev.imagegen.check.OpenRouterCatalogue.inputsImages;
import static dev.imagegen.check.OpenRouterCatalogue.names;
import static dev.imagegen.check.OpenRouterCatalogue.violates;

import dev.imagegen.model.openrouter.OpenRouterImagesModel;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * OpenRouter: {@code GET /key} for the key and its remaining limit, then the model catalogue — for chat completions
 * {@code GET /models?output_modalities=image} (architecture and {@code supported_parameters} as a list), for the
 * Image API {@code GET /images/models} (supported parameters with their allowed values, so every option is checked).
 * Over 250 lines because its findings build on one another — the catalogue entry, then the pinned endpoints, then
 * their options and prices — and share what was learnt on the way (images per call, modalities, token field); the
 * job-free reading of catalogue entries is {@link OpenRouterCatalogue}.
 */
final class OpenRouterCheck {

    /** OpenRouter's documented routing preference keys; another one is reported, not refused. */
    private static final Set<String> ROUTING_KEYS = Set.of(
            "allow_fallbacks",
            "data_collection",
            "enforce_distillable_text",
            "ignore",
            "max_price",
            "only",
            "order",
            "preferred_max_latency",
            "preferred_min_throughput",
            "quantizations",
            "require_parameters",
            "sort",
            "zdr");

    /** The routing fields OpenRouter's Image API takes (its ImageGenerationProviderPreferences); others are dropped. */
    static final Set<String> IMAGE_API_ROUTING_KEYS = OpenRouterImagesModel.ROUTING_KEYS;

    private final ProviderApi api;
    private final JobSpec spec;
    private final ModelSpec model;
    private final boolean imagesApi;
    private final List<Finding> findings = new ArrayList<>();
    private int imagesPerCall;
    private List<String> modalities;
    private String tokenField;
    private Double keyLimitRemaining;
    private ProviderFacts.CataloguePrice price;
    /** The model's endpoints, when a GET of them was needed anyway (pinned providers). */
    private List<JsonNode> endpointPrices;

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
        return new CheckReport(
                target, findings, imagesPerCall, modalities, tokenField, new ProviderFacts(keyLimitRemaining, price));
    }

    private void checkKey() throws ProviderApi.Unreachable, InterruptedException {
        ProviderApi.Answer a = api.get("/key");
        switch (a.status()) {
            case 200 -> {
                JsonNode remaining =
                        a.body() == null ? null : a.body().path("data").get("limit_remaining");
                keyLimitRemaining = remaining != null && remaining.isNumber() ? remaining.asDouble() : null;
                if (remaining != null && remaining.isNumber() && remaining.asDouble() <= 0) {
                    findings.add(Finding.key(
                            "model.api-key",
                            "the key's credit limit is used up (limit_remaining " + remaining.asDouble()
                                    + "). Raise the key's limit or add credits"));
                } else {
                    findings.add(Finding.ok(
                            "model.api-key",
                            "accepted"
                                    + (remaining != null && remaining.isNumber()
                                            ? String.format(" ($%.2f left of its limit)", remaining.asDouble())
                                            : "")));
                }
            }
            case 401, 403 ->
                findings.add(Finding.key(
                        "model.api-key",
                        "OpenRouter refused the key (HTTP " + a.status() + ": " + a.errorMessage()
                                + "). Export a valid key, e.g. OPENROUTER_API_KEY"));
            case 402 ->
                findings.add(Finding.key(
                        "model.api-key", "out of credits (HTTP 402: " + a.errorMessage() + "). Add credits"));
            default ->
                findings.add(Finding.unreachable(
                        "model.api-key", "GET /key answered HTTP " + a.status() + ": " + a.errorMessage()));
        }
    }

    private void checkModels() throws ProviderApi.Unreachable, InterruptedException {
        String path = imagesApi ? "/images/models" : "/models?output_modalities=image";
        ProviderApi.Answer a = api.get(path);
        if (a.status() != 200 || a.body() == null || !a.body().path("data").isArray()) {
            findings.add(Finding.unreachable(
                    "model.name",
                    "GET " + path + " answered HTTP " + a.status()
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
                findings.add(
                        Finding.config("model.fallback-models[" + i + "]", unknownModel(name, catalogue.keySet())));
            } else if (spec.source().hasReferenceColumn() && !inputsImages(fallback)) {
                findings.add(Finding.config(
                        "model.fallback-models[" + i + "]",
                        "'" + name + "' takes no image "
                                + "input, but source.reference-column sends reference images"));
            } else if (primary != null
                    && !contains(fallback.path("architecture").path("output_modalities"), "text")
                    && contains(primary.path("architecture").path("output_modalities"), "text")) {
                findings.add(Finding.warn(
                        "model.fallback-models[" + i + "]",
                        "'" + name + "' outputs images only; "
                                + "with the primary's modalities [image, text] OpenRouter will not route to it"));
            } else {
                findings.add(Finding.ok("model.fallback-models[" + i + "]", "'" + name + "' makes images"));
            }
        }
    }

    private String unknownModel(String name, Set<String> known) {
        String list = imagesApi
                ? "OpenRouter's Image API models (GET /images/models)"
                : "OpenRouter's image-output models (GET /models?output_modalities=image)";
        List<String> near = known.stream()
                .sorted(Comparator.comparingInt(k -> distance(k, name)))
                .limit(3)
                .toList();
        return "'" + name + "' is not one of " + list
                + (near.isEmpty() ? "" : "; the nearest are " + String.join(", ", near));
    }

    private void checkModel(JsonNode m) throws ProviderApi.Unreachable, InterruptedException {
        JsonNode outputs = m.path("architecture").path("output_modalities");
        if (!contains(outputs, "image")) {
            findings.add(Finding.config("model.name", "'" + model.name() + "' does not output images"));
            return;
        }
        findings.add(Finding.ok("model.name", "'" + model.name() + "' makes images"));
        if (!imagesApi) {
            price = ProviderFacts.CataloguePrice.ofChat(m.path("pricing"), "GET /models");
        }
        if (spec.source().hasReferenceColumn() && !inputsImages(m)) {
            findings.add(Finding.config(
                    "source.reference-column",
                    "'" + model.name() + "' takes no image input, " + "so it cannot use reference images"));
        }
        checkOutputFormat();
        List<Endpoint> pinned = pinnedEndpoints();
        if (imagesApi) {
            price = imagePrice(pinned);
            if (pinned == null) {
                checkImageOptions(m.path("supported_parameters"), "'" + model.name() + "'");
            } else {
                // The providers routing pins: each must take the options, not just one of the model's endpoints.
                for (Endpoint e : pinned) {
                    checkImageOptions(e.parameters(), "'" + model.name() + "' at provider " + e.label());
                }
            }
            return;
        }
        checkModalities(outputs);
        List<JsonNode> parameterLists = pinned == null
                ? List.of(m.path("supported_parameters"))
                : pinned.stream().map(Endpoint::parameters).toList();
        boolean seed = parameterLists.stream().allMatch(p -> contains(p, "seed"));
        if (model.seed() != null && !seed) {
            findings.add(Finding.warn(
                    "model.seed",
                    "'" + model.name() + "'"
                            + (pinned == null
                                    ? ""
                                    : " at "
                                            + pinned.stream()
                                                    .filter(e -> !contains(e.parameters(), "seed"))
                                                    .map(Endpoint::label)
                                                    .toList())
                            + " does not list seed among its supported parameters; OpenRouter drops it, so images are not "
                            + "reproducible"));
        }
        if (model.maxTokensParameter() == null) {
            boolean completion = parameterLists.stream().allMatch(p -> contains(p, ModelSpec.MAX_COMPLETION_TOKENS));
            tokenField = completion ? ModelSpec.MAX_COMPLETION_TOKENS : ModelSpec.MAX_TOKENS;
            findings.add(Finding.ok(
                    "model.max-tokens",
                    "sent as " + tokenField
                            + (completion
                                    ? ""
                                    : " ('"
                                            + model.name()
                                            + "' does not list max_completion_tokens, which replaces the deprecated "
                                            + "max_tokens)")));
        }
    }

    /**
     * Chat: {@code modalities} must be what the model outputs, or OpenRouter answers 404 (unbilled, but the run
     * would stop): {@code ["image"]} for a model without text output (FLUX, Seedream, ...).
     */
    private void checkModalities(JsonNode outputs) {
        boolean text = contains(outputs, "text");
        List<String> send = text ? ModelSpec.IMAGE_AND_TEXT : ModelSpec.IMAGE_ONLY;
        if (!model.modalities().isEmpty()) {
            if (model.modalities().contains("text") && !text) {
                findings.add(Finding.config(
                        "model.modalities",
                        "'" + model.name() + "' outputs images only; " + model.modalities()
                                + " would be answered 404. Write [image] or leave it out"));
            } else {
                findings.add(Finding.ok("model.modalities", "sends " + model.modalities()));
            }
            return;
        }
        modalities = send;
        findings.add(Finding.ok(
                "model.modalities",
                "sends modalities " + send + (text ? "" : " ('" + model.name() + "' outputs images only, no text)")));
    }

    /** SVG is not an image imagegen can check and store: it would be paid for, then discarded as invalid. */
    private void checkOutputFormat() {
        Object format = model.imageConfig().get("output_format");
        if (format != null && String.valueOf(format).equalsIgnoreCase("svg")) {
            findings.add(Finding.config(
                    "model.image-config.output_format",
                    "svg (image/svg+xml) is a vector format; "
                            + "imagegen stores checked png, jpeg and webp images only, so every SVG would be paid for and "
                            + "then discarded. Use png, jpeg or webp"));
        }
    }

    /** One provider's endpoint of the model: what it is called, and the parameters it takes. */
    private record Endpoint(String label, List<String> names, JsonNode parameters, JsonNode node) {
        boolean matches(String wanted) {
            String w = wanted.toLowerCase(java.util.Locale.ROOT);
            return names.stream()
                    .map(n -> n.toLowerCase(java.util.Locale.ROOT))
                    .anyMatch(n -> n.equals(w) || n.startsWith(w + "/"));
        }
    }

    /**
     * With {@code provider-routing} pinning providers ({@code only}, else {@code order}), the endpoints that will
     * serve the model, from {@code GET /models/{id}/endpoints} (or the Image API's); null when nothing is pinned.
     */
    private List<Endpoint> pinnedEndpoints() throws ProviderApi.Unreachable, InterruptedException {
        String key = model.providerRouting().containsKey("only")
                ? "only"
                : model.providerRouting().containsKey("order") ? "order" : null;
        if (key == null || !(model.providerRouting().get(key) instanceof List<?> wanted) || wanted.isEmpty()) {
            return null;
        }
        String path = (imagesApi ? "/images/models/" : "/models/") + model.name() + "/endpoints";
        ProviderApi.Answer a = api.get(path);
        JsonNode list = imagesApi
                ? (a.body() == null ? null : a.body().get("endpoints"))
                : (a.body() == null ? null : a.body().path("data").get("endpoints"));
        if (a.status() != 200 || list == null || !list.isArray()) {
            findings.add(Finding.unreachable(
                    "model.provider-routing",
                    "GET " + path + " answered HTTP " + a.status()
                            + (a.body() == null ? "" : ": " + a.errorMessage())));
            return null;
        }
        List<Endpoint> all = new ArrayList<>();
        endpointPrices = new ArrayList<>();
        for (JsonNode e : list) {
            endpointPrices.add(e);
            List<String> names = new ArrayList<>();
            for (String field : List.of("tag", "provider_tag", "provider_slug", "provider_name")) {
                if (e.path(field).isString()) {
                    names.add(e.path(field).asString());
                }
            }
            all.add(new Endpoint(names.isEmpty() ? "?" : names.get(0), names, e.path("supported_parameters"), e));
        }
        List<Endpoint> pinned = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Object w : wanted) {
            List<Endpoint> hits =
                    all.stream().filter(e -> e.matches(String.valueOf(w))).toList();
            if (hits.isEmpty()) {
                unknown.add(String.valueOf(w));
            }
            hits.stream().filter(h -> !pinned.contains(h)).forEach(pinned::add);
        }
        String served = all.stream().map(Endpoint::label).distinct().sorted().collect(Collectors.joining(", "));
        if (pinned.isEmpty()) {
            // With only, or order without fallbacks, nothing could serve the model; order alone is a preference,
            // and fallback models may still be served.
            String message = "no provider in " + wanted + " serves '" + model.name() + "'; it is served by " + served;
            if (model.fallbackModels().isEmpty()
                    && (key.equals("only")
                            || Boolean.FALSE.equals(model.providerRouting().get("allow_fallbacks")))) {
                findings.add(Finding.config("model.provider-routing." + key, message));
                return List.of();
            }
            findings.add(Finding.warn("model.provider-routing." + key, message));
            return null;
        }
        if (!unknown.isEmpty()) {
            findings.add(Finding.warn(
                    "model.provider-routing." + key,
                    unknown + " do not serve '" + model.name() + "' (it is served by " + served + ")"));
        }
        findings.add(Finding.ok(
                "model.provider-routing." + key,
                "options checked against the endpoints of "
                        + pinned.stream().map(Endpoint::label).toList()));
        return pinned;
    }

    /**
     * The Image API's catalogue has no prices: they are on the model's endpoints. The pinned endpoints' (the first
     * one that states a price per image), else the dearest endpoint's, since OpenRouter may route to any of them.
     */
    private ProviderFacts.CataloguePrice imagePrice(List<Endpoint> pinned)
            throws ProviderApi.Unreachable, InterruptedException {
        String path = "/images/models/" + model.name() + "/endpoints";
        List<JsonNode> lines = endpointPrices;
        if (lines == null) {
            ProviderApi.Answer a = api.get(path);
            JsonNode list = a.status() == 200 && a.body() != null ? a.body().get("endpoints") : null;
            if (list == null || !list.isArray()) {
                return null;
            }
            lines = new ArrayList<>();
            for (JsonNode e : list) {
                lines.add(e);
            }
        }
        ProviderFacts.CataloguePrice dearest = null;
        for (JsonNode e : lines) {
            ProviderFacts.CataloguePrice p =
                    ProviderFacts.CataloguePrice.ofImageEndpoint(e.get("pricing"), "GET " + path);
            boolean chosen = pinned == null || pinned.stream().anyMatch(x -> x.node() == e);
            if (p != null && chosen && pinned != null) {
                return p;
            }
            if (p != null && (dearest == null || p.perOutputImage() > dearest.perOutputImage())) {
                dearest = p;
            }
        }
        return dearest;
    }

    /** The Image API lists each parameter with its allowed values; an absent one is unsupported. */
    private void checkImageOptions(JsonNode supported, String who) {
        for (Map.Entry<String, Object> option : model.imageConfig().entrySet()) {
            String name = option.getKey().equals("image_size") ? "resolution" : option.getKey();
            Object value =
                    name.equals("resolution") ? OpenRouterImagesModel.resolution(option.getValue()) : option.getValue();
            String subject = "model.image-config." + option.getKey();
            JsonNode descriptor = supported.get(name);
            if (descriptor == null) {
                findings.add(
                        Finding.config(subject, who + " does not take '" + name + "'; it takes " + names(supported)));
                continue;
            }
            String problem = violates(descriptor, value);
            if (problem != null) {
                findings.add(Finding.config(
                        subject,
                        problem
                                + (who.contains(" at provider ")
                                        ? " at " + who.substring(who.indexOf(" at provider ") + 4)
                                        : "")));
            }
        }
        if (model.seed() != null && supported.get("seed") == null) {
            findings.add(Finding.warn("model.seed", who + " takes no seed; images are not reproducible"));
        }
        if (imagesPerCall > 1) {
            JsonNode n = supported.get("n");
            int max = n == null ? 1 : n.path("max").isNumber() ? n.path("max").asInt() : imagesPerCall;
            if (max < imagesPerCall) {
                imagesPerCall = Math.max(1, max);
                findings.add(Finding.ok(
                        "model.images-per-call",
                        who + " makes at most "
                                + imagesPerCall + " image" + (imagesPerCall == 1 ? "" : "s")
                                + " per call; the run asks for "
                                + "that many at a time"));
            } else {
                findings.add(Finding.ok("model.images-per-call", imagesPerCall + " images per call"));
            }
        }
    }

    private void checkRouting() {
        if (imagesApi) {
            Set<String> dropped = new TreeSet<>(model.providerRouting().keySet());
            dropped.removeAll(IMAGE_API_ROUTING_KEYS);
            if (!dropped.isEmpty()) {
                findings.add(Finding.warn(
                        "model.provider-routing",
                        "the Image API honours only " + new TreeSet<>(IMAGE_API_ROUTING_KEYS) + "; " + dropped
                                + " are not sent"));
            }
            return;
        }
        Set<String> unknown = new TreeSet<>(model.providerRouting().keySet());
        unknown.removeAll(ROUTING_KEYS);
        if (!unknown.isEmpty()) {
            findings.add(Finding.warn(
                    "model.provider-routing",
                    "keys " + unknown + " are not OpenRouter routing " + "preferences I know of ("
                            + new TreeSet<>(ROUTING_KEYS) + "); they are sent as written"));
        }
    }
}
