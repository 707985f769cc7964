package dev.imagegen.testing;

import dev.imagegen.testing.FakeOpenRouter.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The model catalogue of {@link FakeOpenRouter}, shaped as OpenRouter's OpenAPI document says: {@code GET /models}
 * (chat), {@code GET /models/{author}/{slug}/endpoints}, {@code GET /images/models} and
 * {@code GET /images/models/{author}/{slug}/endpoints}. The chat endpoint answers 404 to output modalities a model
 * does not have, as OpenRouter does (see {@link #unroutable}).
 */
final class FakeCatalogue {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One provider serving a chat model, with the parameters that endpoint takes. */
    record ChatEndpoint(String providerName, String tag, List<String> parameters) {}

    /** A model of {@code GET /models}; {@code parameters} is the union of its endpoints'. */
    record ChatModel(
            String id,
            String name,
            List<String> input,
            List<String> output,
            List<String> parameters,
            List<ChatEndpoint> endpoints) {}

    /** One provider serving an Image API model; {@code supported} is its capability descriptors as JSON. */
    record ImageEndpoint(String providerName, String slug, String supported) {}

    /** A model of {@code GET /images/models}; {@code supported} is the union of its endpoints' descriptors. */
    record ImageModel(
            String id,
            String name,
            List<String> input,
            String supported,
            boolean streaming,
            List<ImageEndpoint> endpoints) {}

    private static final String GPT_IMAGE_PARAMETERS = """
            {"n":{"type":"range","min":1,"max":4},"aspect_ratio":{"type":"enum","values":\
            ["1:1","2:3","3:2","3:4","4:3","9:16","16:9","auto"]},"resolution":{"type":"enum","values":\
            ["1K","2K","4K"]},"quality":{"type":"enum","values":["auto","low","medium","high"]},"output_format":\
            {"type":"enum","values":["png","jpeg","webp"]},"background":{"type":"enum","values":["auto",\
            "transparent","opaque"]},"output_compression":{"type":"range","min":0,"max":100},"seed":\
            {"type":"boolean"}}""";
    private static final String FLUX_RATIOS =
            "\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"3:2\"," + "\"2:3\",\"16:9\",\"9:16\"]}";

    static final List<ChatModel> CHAT = List.of(
            new ChatModel(
                    "openai/gpt-5.4-image-2",
                    "OpenAI: GPT-5.4 Image 2",
                    List.of("text", "image"),
                    List.of("image", "text"),
                    List.of("max_tokens", "max_completion_tokens", "seed", "response_format", "structured_outputs"),
                    List.of(
                            new ChatEndpoint(
                                    "OpenAI",
                                    "openai",
                                    List.of(
                                            "max_tokens",
                                            "max_completion_tokens",
                                            "seed",
                                            "response_format",
                                            "structured_outputs")),
                            new ChatEndpoint(
                                    "Azure",
                                    "azure",
                                    List.of("max_tokens", "max_completion_tokens", "response_format")))),
            new ChatModel(
                    "google/gemini-2.5-flash-image",
                    "Google: Gemini 2.5 Flash Image",
                    List.of("image", "text"),
                    List.of("image", "text"),
                    List.of("max_tokens", "temperature", "top_p"),
                    List.of(
                            new ChatEndpoint(
                                    "Google AI Studio",
                                    "google-ai-studio",
                                    List.of("max_tokens", "temperature", "top_p")),
                            new ChatEndpoint(
                                    "Google", "google-vertex", List.of("max_tokens", "temperature", "top_p")))),
            new ChatModel(
                    "google/gemini-3-pro-image-preview",
                    "Google: Gemini 3 Pro Image",
                    List.of("image", "text"),
                    List.of("image", "text"),
                    List.of("max_tokens", "seed", "temperature"),
                    List.of(new ChatEndpoint("Google", "google-vertex", List.of("max_tokens", "seed", "temperature")))),
            new ChatModel(
                    "black-forest-labs/flux.2-pro",
                    "Black Forest Labs: FLUX.2 Pro",
                    List.of("text"),
                    List.of("image"),
                    List.of("seed"),
                    List.of(new ChatEndpoint("Black Forest Labs", "black-forest-labs", List.of("seed")))),
            new ChatModel(
                    "openai/gpt-4o",
                    "OpenAI: GPT-4o",
                    List.of("text", "image"),
                    List.of("text"),
                    List.of("max_tokens", "seed", "temperature"),
                    List.of(new ChatEndpoint("OpenAI", "openai", List.of("max_tokens", "seed", "temperature")))));

    static final List<ImageModel> IMAGES = List.of(
            new ImageModel(
                    "openai/gpt-5.4-image-2",
                    "GPT-5.4 Image 2",
                    List.of("text", "image"),
                    GPT_IMAGE_PARAMETERS,
                    true,
                    List.of(new ImageEndpoint("OpenAI", "openai", GPT_IMAGE_PARAMETERS))),
            new ImageModel(
                    "black-forest-labs/flux.2-pro",
                    "FLUX.2 Pro",
                    List.of("text", "image"),
                    "{" + FLUX_RATIOS + ",\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\"]},"
                            + "\"seed\":{\"type\":\"boolean\"}}",
                    false,
                    List.of(
                            new ImageEndpoint(
                                    "Black Forest Labs",
                                    "black-forest-labs",
                                    "{" + FLUX_RATIOS
                                            + ",\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\"]},"
                                            + "\"seed\":{\"type\":\"boolean\"}}"),
                            // A second provider that renders 1K only and takes no seed: pinning it narrows the options.
                            new ImageEndpoint(
                                    "Together",
                                    "together",
                                    "{" + FLUX_RATIOS + ",\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\"]}}"))),
            new ImageModel(
                    "bytedance-seed/seedream-4.5",
                    "Seedream 4.5",
                    List.of("text"),
                    "{\"resolution\":{\"type\":\"enum\",\"values\":[\"512\",\"1K\",\"2K\",\"4K\"]}}",
                    false,
                    List.of(new ImageEndpoint(
                            "BytePlus",
                            "byteplus",
                            "{\"resolution\":{\"type\":\"enum\",\"values\":[\"512\",\"1K\",\"2K\",\"4K\"]}}"))));

    private FakeCatalogue() {}

    static ChatModel chatModel(String id) {
        return CHAT.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }

    /**
     * OpenRouter's answer to a chat request for output modalities the model lacks (not billed); null when the model
     * has them all, or is not in this catalogue.
     */
    static Reply unroutable(JsonNode body) {
        ChatModel model = chatModel(body.path("model").asString(""));
        if (model == null || !body.path("modalities").isArray()) {
            return null;
        }
        List<String> asked = new ArrayList<>();
        body.path("modalities").forEach(m -> asked.add(m.asString("")));
        if (model.output().containsAll(asked)) {
            return null;
        }
        return Reply.json(
                404,
                "{\"error\":{\"code\":404,\"message\":\"No endpoints found that support the "
                        + "requested output modalities: " + String.join(", ", asked) + "\"}}");
    }

    /** GET /models?output_modalities=...: the models that output all of the listed modalities. */
    static Reply models(String query) {
        String wanted = query != null && query.contains("output_modalities=")
                ? query.replaceAll(".*output_modalities=([^&]*).*", "$1")
                : "text";
        List<String> modalities = List.of(wanted.split("%2C|,"));
        ObjectNode root = JSON.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (ChatModel m : CHAT) {
            if (wanted.equals("all") || m.output().containsAll(modalities)) {
                data.add(model(m));
            }
        }
        root.put("total_count", data.size());
        root.putObject("links").putNull("next");
        return json(root);
    }

    private static ObjectNode model(ChatModel m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", m.id());
        n.put("canonical_slug", m.id() + "-20260421");
        n.put("name", m.name());
        n.put("created", 1776729600);
        ObjectNode pricing = n.putObject("pricing");
        pricing.put("prompt", "0.000008");
        pricing.put("completion", "0.000015");
        n.put("context_length", 272000);
        ObjectNode arch = n.putObject("architecture");
        arch.put("modality", String.join("+", m.input()) + "->" + String.join("+", m.output()));
        strings(arch.putArray("input_modalities"), m.input());
        strings(arch.putArray("output_modalities"), m.output());
        ObjectNode top = n.putObject("top_provider");
        top.put("is_moderated", true);
        top.put("context_length", 272000);
        top.put("max_completion_tokens", 32000);
        n.putNull("per_request_limits");
        strings(n.putArray("supported_parameters"), m.parameters());
        n.putNull("default_parameters");
        n.putNull("supported_voices");
        n.putObject("links").put("details", "/api/v1/models/" + m.id() + "/endpoints");
        return n;
    }

    /** GET /models/{author}/{slug}/endpoints. */
    static Reply chatEndpoints(String id) {
        ChatModel m = chatModel(id);
        if (m == null) {
            return notFound();
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode data = root.putObject("data");
        data.put("id", m.id());
        data.put("name", m.name());
        data.put("created", 1776729600);
        data.put("description", m.name());
        ObjectNode arch = data.putObject("architecture");
        arch.put("tokenizer", "Other");
        arch.putNull("instruct_type");
        arch.put("modality", String.join("+", m.input()) + "->" + String.join("+", m.output()));
        strings(arch.putArray("input_modalities"), m.input());
        strings(arch.putArray("output_modalities"), m.output());
        ArrayNode endpoints = data.putArray("endpoints");
        for (ChatEndpoint e : m.endpoints()) {
            ObjectNode n = endpoints.addObject();
            n.put("name", e.providerName() + " | " + m.id());
            n.put("model_id", m.id());
            n.put("model_name", m.name());
            n.put("context_length", 272000);
            ObjectNode pricing = n.putObject("pricing");
            pricing.put("prompt", "0.000008");
            pricing.put("completion", "0.000015");
            n.put("provider_name", e.providerName());
            n.put("tag", e.tag());
            n.putNull("quantization");
            n.putNull("max_completion_tokens");
            n.putNull("max_prompt_tokens");
            strings(n.putArray("supported_parameters"), e.parameters());
            n.put("uptime_last_30m", 99.5);
            n.put("uptime_last_5m", 100);
            n.put("uptime_last_1d", 99.8);
            n.put("supports_implicit_caching", false);
            n.putNull("latency_last_30m");
            n.putNull("throughput_last_30m");
        }
        return json(root);
    }

    /** GET /images/models. */
    static Reply imageModels() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (ImageModel m : IMAGES) {
            ObjectNode n = data.addObject();
            n.put("id", m.id());
            n.put("name", m.name());
            n.put("description", "");
            n.put("created", 1760000000);
            ObjectNode arch = n.putObject("architecture");
            strings(arch.putArray("input_modalities"), m.input());
            strings(arch.putArray("output_modalities"), List.of("image"));
            n.set("supported_parameters", JSON.readTree(m.supported()));
            n.put("supports_streaming", m.streaming());
            n.put("endpoints", "/api/v1/images/models/" + m.id() + "/endpoints");
        }
        return json(root);
    }

    /** GET /images/models/{author}/{slug}/endpoints. */
    static Reply imageEndpoints(String id) {
        ImageModel m =
                IMAGES.stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
        if (m == null) {
            return notFound();
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("id", m.id());
        ArrayNode endpoints = root.putArray("endpoints");
        for (ImageEndpoint e : m.endpoints()) {
            ObjectNode n = endpoints.addObject();
            n.put("provider_name", e.providerName());
            n.put("provider_slug", e.slug());
            n.put("provider_tag", e.slug());
            n.set("supported_parameters", JSON.readTree(e.supported()));
            n.putArray("allowed_passthrough_parameters");
            n.put("supports_streaming", false);
            n.putArray("pricing")
                    .addObject()
                    .put("billable", "output_image")
                    .put("unit", "image")
                    .put("cost_usd", 0.04);
        }
        return json(root);
    }

    /** GET /key, with every field the document requires. */
    static Reply key(Double limitRemaining) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode data = root.putObject("data");
        data.put("label", "sk-or-v1-fak...e00");
        if (limitRemaining == null) {
            data.putNull("limit");
            data.putNull("limit_remaining");
            data.putNull("limit_reset");
        } else {
            data.put("limit", 100);
            data.put("limit_remaining", limitRemaining);
            data.put("limit_reset", "monthly");
        }
        for (String usage : List.of("usage", "usage_daily", "usage_weekly", "usage_monthly")) {
            data.put(usage, 1.25);
        }
        for (String byok : List.of("byok_usage", "byok_usage_daily", "byok_usage_weekly", "byok_usage_monthly")) {
            data.put(byok, 0);
        }
        data.put("is_free_tier", false);
        data.put("is_management_key", false);
        data.put("is_provisioning_key", false);
        data.put("include_byok_in_limit", false);
        data.putNull("creator_user_id");
        data.putObject("rate_limit")
                .put("requests", -1)
                .put("interval", "10s")
                .put("note", "This field is deprecated and safe to ignore.");
        return json(root);
    }

    static Reply notFound() {
        return Reply.json(404, "{\"error\":{\"code\":404,\"message\":\"Not Found\"}}");
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static Reply json(ObjectNode root) {
        return new Reply(200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(root), 0);
    }
}
