package dev.imagegen.spec;

import dev.imagegen.spec.ModelSpec.Pricing;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@link ModelSpec}'s twenty components set by name, from {@link ModelSpec#builder} (with the defaults it names) or
 * {@link ModelSpec#toBuilder}; {@link #build()} calls the record's constructor.
 */
public final class ModelSpecBuilder {
    private String provider;
    private String name;
    private URI baseUrl;
    private Secret apiKey;
    private int imagesPerPrompt;
    private String promptTemplate;
    private Map<String, Object> imageConfig;
    private Long seed;
    private int maxTokens;
    private Duration timeout;
    private String referer;
    private String title;
    private Pricing pricing;
    private long maxResponseBytes;
    private List<String> fallbackModels = List.of();
    private Map<String, Object> providerRouting = Map.of();
    private int imagesPerCall = 1;
    private List<String> modalities = List.of();
    private String maxTokensParameter;
    private BatchSpec batch = BatchSpec.DEFAULTS;

    ModelSpecBuilder() {}

    ModelSpecBuilder(ModelSpec m) {
        provider = m.provider();
        name = m.name();
        baseUrl = m.baseUrl();
        apiKey = m.apiKey();
        imagesPerPrompt = m.imagesPerPrompt();
        promptTemplate = m.promptTemplate();
        imageConfig = m.imageConfig();
        seed = m.seed();
        maxTokens = m.maxTokens();
        timeout = m.timeout();
        referer = m.referer();
        title = m.title();
        pricing = m.pricing();
        maxResponseBytes = m.maxResponseBytes();
        fallbackModels = m.fallbackModels();
        providerRouting = m.providerRouting();
        imagesPerCall = m.imagesPerCall();
        modalities = m.modalities();
        maxTokensParameter = m.maxTokensParameter();
        batch = m.batch();
    }

    public ModelSpecBuilder provider(String value) {
        provider = value;
        return this;
    }

    public ModelSpecBuilder name(String value) {
        name = value;
        return this;
    }

    public ModelSpecBuilder baseUrl(URI value) {
        baseUrl = value;
        return this;
    }

    public ModelSpecBuilder apiKey(Secret value) {
        apiKey = value;
        return this;
    }

    public ModelSpecBuilder imagesPerPrompt(int value) {
        imagesPerPrompt = value;
        return this;
    }

    public ModelSpecBuilder promptTemplate(String value) {
        promptTemplate = value;
        return this;
    }

    public ModelSpecBuilder imageConfig(Map<String, Object> value) {
        imageConfig = value;
        return this;
    }

    public ModelSpecBuilder seed(Long value) {
        seed = value;
        return this;
    }

    public ModelSpecBuilder maxTokens(int value) {
        maxTokens = value;
        return this;
    }

    public ModelSpecBuilder timeout(Duration value) {
        timeout = value;
        return this;
    }

    public ModelSpecBuilder referer(String value) {
        referer = value;
        return this;
    }

    public ModelSpecBuilder title(String value) {
        title = value;
        return this;
    }

    public ModelSpecBuilder pricing(Pricing value) {
        pricing = value;
        return this;
    }

    public ModelSpecBuilder maxResponseBytes(long value) {
        maxResponseBytes = value;
        return this;
    }

    public ModelSpecBuilder fallbackModels(List<String> value) {
        fallbackModels = value;
        return this;
    }

    public ModelSpecBuilder providerRouting(Map<String, Object> value) {
        providerRouting = value;
        return this;
    }

    public ModelSpecBuilder imagesPerCall(int value) {
        imagesPerCall = value;
        return this;
    }

    public ModelSpecBuilder modalities(List<String> value) {
        modalities = value;
        return this;
    }

    public ModelSpecBuilder maxTokensParameter(String value) {
        maxTokensParameter = value;
        return this;
    }

    public ModelSpecBuilder batch(BatchSpec value) {
        batch = value;
        return this;
    }

    public ModelSpec build() {
        return new ModelSpec(
                provider,
                name,
                baseUrl,
                apiKey,
                imagesPerPrompt,
                promptTemplate,
                imageConfig,
                seed,
                maxTokens,
                timeout,
                referer,
                title,
                pricing,
                maxResponseBytes,
                fallbackModels,
                providerRouting,
                imagesPerCall,
                modalities,
                maxTokensParameter,
                batch);
    }
}
