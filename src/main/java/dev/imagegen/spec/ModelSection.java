package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.positive;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The job file's {@code model:} section: provider, model, endpoint (TLS unless loopback), images, and the options
 * only some providers take (each refused, naming the provider, where it does not apply).
 */
final class ModelSection {
    private static final List<String> PROVIDERS = List.of(
            ModelSpec.OPENROUTER,
            ModelSpec.OPENROUTER_IMAGES,
            ModelSpec.OPENAI,
            ModelSpec.OPENAI_BATCH,
            ModelSpec.PLACEHOLDER);
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private ModelSection() {}

    static ModelSpec read(RawJobFile.Model m) {
        RawJobFile.Model model = m != null
                ? m
                : new RawJobFile.Model(
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null);
        String provider = model.provider() == null ? ModelSpec.OPENROUTER : model.provider();
        if (!PROVIDERS.contains(provider)) {
            throw new JobFileException(
                    "model.provider: '" + provider + "' is not supported; use one of " + String.join(", ", PROVIDERS));
        }
        boolean openAi = provider.equals(ModelSpec.OPENAI) || provider.equals(ModelSpec.OPENAI_BATCH);
        String name = model.name() != null ? model.name() : openAi ? "gpt-image-2" : "openai/gpt-5.4-image-2";
        URI baseUrl = baseUrl(
                model.baseUrl() != null
                        ? model.baseUrl()
                        : openAi ? "https://api.openai.com/v1" : "https://openrouter.ai/api/v1");
        if (!provider.equals(ModelSpec.PLACEHOLDER)) {
            requireTls(baseUrl, Boolean.TRUE.equals(model.allowInsecureHttp()));
        }
        int images = positive("model.images-per-prompt", model.imagesPerPrompt(), 1);
        if (images > 16) {
            throw new JobFileException("model.images-per-prompt: " + images + " is too many; at most 16");
        }
        String template = model.promptTemplate() == null ? "{prompt}" : model.promptTemplate();
        Map<String, Object> imageConfig =
                model.imageConfig() == null ? Map.of() : new LinkedHashMap<>(model.imageConfig());
        int maxTokens = positive("model.max-tokens", model.maxTokens(), 4096);
        Duration timeout =
                model.timeout() == null ? Duration.ofSeconds(180) : Durations.parse("model.timeout", model.timeout());
        ModelSpec.Pricing pricing = PricingSection.read(model.pricing(), openAi ? OpenAiPrices.of(name) : null);
        long maxResponse = model.maxResponseSize() == null
                ? 64L << 20
                : Durations.parseSize("model.max-response-size", model.maxResponseSize());
        List<String> fallbacks = fallbackModels(provider, model.fallbackModels());
        Map<String, Object> routing = providerRouting(provider, model.providerRouting());
        int perCall = imagesPerCall(provider, model.imagesPerCall(), images);
        return ModelSpec.builder(provider, name)
                .baseUrl(baseUrl)
                .apiKey(Secret.of(model.apiKey()))
                .imagesPerPrompt(images)
                .promptTemplate(template)
                .imageConfig(imageConfig)
                .seed(model.seed())
                .maxTokens(maxTokens)
                .timeout(timeout)
                .referer(model.referer())
                .title(model.title() == null ? "imagegen-batch" : model.title())
                .pricing(pricing)
                .maxResponseBytes(maxResponse)
                .fallbackModels(fallbacks)
                .providerRouting(routing)
                .imagesPerCall(perCall)
                .modalities(modalities(provider, model.modalities()))
                .maxTokensParameter(tokenField(provider, model.maxTokensParameter()))
                .batch(BatchSection.read(provider, model.batch()))
                .build();
    }

    /** Chat only: {@code image} or {@code image,text} (a list or a comma-separated string); empty: the check's. */
    private static List<String> modalities(String provider, Object value) {
        if (value == null) {
            return List.of();
        }
        if (!provider.equals(ModelSpec.OPENROUTER)) {
            throw new JobFileException("model.modalities: only the openrouter provider (chat completions) takes "
                    + "output modalities; remove it for provider " + provider);
        }
        List<String> out = new ArrayList<>();
        for (Object v : value instanceof List<?> list
                ? list
                : List.of(String.valueOf(value).split(","))) {
            String m = String.valueOf(v).strip();
            if (!m.equals("image") && !m.equals("text")) {
                throw new JobFileException("model.modalities: '" + m + "' is not an output modality; write "
                        + "[image] for models that output images only, or [image, text]");
            }
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        if (!out.contains("image")) {
            throw new JobFileException(
                    "model.modalities: " + out + " asks for no image; write [image] or " + "[image, text]");
        }
        return out;
    }

    private static String tokenField(String provider, String value) {
        if (value == null) {
            return null;
        }
        if (!provider.equals(ModelSpec.OPENROUTER)) {
            throw new JobFileException("model.max-tokens-parameter: only the openrouter provider (chat "
                    + "completions) sends a token bound; remove it for provider " + provider);
        }
        if (!value.equals(ModelSpec.MAX_TOKENS) && !value.equals(ModelSpec.MAX_COMPLETION_TOKENS)) {
            throw new JobFileException("model.max-tokens-parameter: '" + value + "' is not one; write "
                    + ModelSpec.MAX_COMPLETION_TOKENS + " or " + ModelSpec.MAX_TOKENS);
        }
        return value;
    }

    private static List<String> fallbackModels(String provider, List<String> models) {
        if (models == null || models.isEmpty()) {
            return List.of();
        }
        if (!provider.equals(ModelSpec.OPENROUTER)) {
            throw new JobFileException("model.fallback-models: only the openrouter provider (chat completions) "
                    + "takes fallback models; remove it for provider " + provider);
        }
        for (int i = 0; i < models.size(); i++) {
            if (models.get(i) == null || models.get(i).isBlank()) {
                throw new JobFileException("model.fallback-models[" + i + "]: empty model name");
            }
        }
        return models.stream().map(String::strip).toList();
    }

    private static Map<String, Object> providerRouting(String provider, Map<String, Object> routing) {
        if (routing == null || routing.isEmpty()) {
            return Map.of();
        }
        if (!provider.equals(ModelSpec.OPENROUTER) && !provider.equals(ModelSpec.OPENROUTER_IMAGES)) {
            throw new JobFileException("model.provider-routing: only OpenRouter routes between providers; "
                    + "remove it for provider " + provider);
        }
        return new LinkedHashMap<>(routing);
    }

    /** Chat completions make one image per call; the Images APIs take n up to 10. */
    private static int imagesPerCall(String provider, Integer perCall, int imagesPerPrompt) {
        boolean images = provider.equals(ModelSpec.OPENROUTER_IMAGES) || provider.equals(ModelSpec.OPENAI);
        if (perCall == null) {
            return images ? Math.min(imagesPerPrompt, ModelSpec.MAX_IMAGES_PER_CALL) : 1;
        }
        int n = positive("model.images-per-call", perCall, 1);
        if (!images && n > 1) {
            throw new JobFileException("model.images-per-call: chat completions make one image per call; use "
                    + "provider openrouter-images or openai for several images per call, or leave it out");
        }
        if (n > ModelSpec.MAX_IMAGES_PER_CALL) {
            throw new JobFileException("model.images-per-call: " + n + " is too many; the Images APIs take at "
                    + "most " + ModelSpec.MAX_IMAGES_PER_CALL);
        }
        return Math.min(n, imagesPerPrompt);
    }

    private static URI baseUrl(String text) {
        String url = text.strip();
        URI uri = FieldValues.httpUri(url);
        if (uri == null) {
            throw new JobFileException(
                    "model.base-url: '" + url + "' is not an http(s) URL; e.g. " + "https://openrouter.ai/api/v1");
        }
        return uri;
    }

    /**
     * The key travels in a header of every request: over plain http only to this machine (a local proxy or test
     * server), unless the job file says the network path is trusted.
     */
    private static void requireTls(URI baseUrl, boolean allowInsecure) {
        if ("http".equals(baseUrl.getScheme()) && !allowInsecure && !isLoopback(baseUrl.getHost())) {
            throw new JobFileException("model.base-url: '" + baseUrl + "' would send the API key unencrypted "
                    + "over the network; use https://, or set model.allow-insecure-http: true if the path to "
                    + baseUrl.getHost() + " is trusted (plain http is always allowed to localhost)");
        }
    }

    /** localhost, 127.0.0.0/8 or ::1, read from the text alone: no DNS lookup decides it. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        Matcher v4 = IPV4.matcher(h);
        if (!v4.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(v4.group(i)) > 255) {
                return false;
            }
        }
        return v4.group(1).equals("127");
    }
}
