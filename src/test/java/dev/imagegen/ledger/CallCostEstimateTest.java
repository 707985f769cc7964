package dev.imagegen.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.imagegen.spec.ModelSpec;
import dev.imagegen.spec.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallCostEstimateTest {

    private static ModelSpec model(ModelSpec.Pricing pricing) {
        return ModelSpec.builder("openrouter", "openai/gpt-5.4-image-2")
                .baseUrl(URI.create("https://openrouter.ai/api/v1"))
                .apiKey(Secret.of("k"))
                .imagesPerPrompt(1)
                .promptTemplate("{prompt}")
                .imageConfig(Map.of())
                .seed(null)
                .maxTokens(4096)
                .timeout(Duration.ofSeconds(5))
                .title("t")
                .pricing(pricing)
                .maxResponseBytes(64L << 20)
                .imagesPerCall(4)
                .build();
    }

    private static final CallCostEstimate.History HISTORY = new CallCostEstimate.History(50, 0.05, 1000, 20);

    @Test
    void modelPricingSetInTheJobFileComesFirstWithTheDatasetsTokens() {
        CallCostEstimate e = new CallCostEstimate(
                model(new ModelSpec.Pricing(10, 20)),
                new CallCostEstimate.CataloguePrice(0.5, null, null),
                () -> HISTORY);

        CallCostEstimate.Estimate one = e.perCall(2);

        assertThat(one.basis()).isEqualTo(CallCostEstimate.Basis.MODEL_PRICING);
        assertThat(one.usd()).isCloseTo((20 * 10 + 2 * 1000 * 20) / 1e6, within(1e-12));
    }

    @Test
    void withoutPricingTheCatalogueThenTheHistoryThenNothing() {
        ModelSpec unpriced = model(ModelSpec.Pricing.DEFAULT);
        assertThat(new CallCostEstimate(unpriced, new CallCostEstimate.CataloguePrice(0.04, null, null), () -> HISTORY)
                        .perCall(3))
                .isEqualTo(new CallCostEstimate.Estimate(0.12, CallCostEstimate.Basis.CATALOGUE));
        CallCostEstimate.Estimate tokens = new CallCostEstimate(
                        unpriced,
                        new CallCostEstimate.CataloguePrice(null, 0.000008, 0.000015),
                        () -> CallCostEstimate.History.NONE)
                .perCall(1);
        assertThat(tokens.basis()).isEqualTo(CallCostEstimate.Basis.CATALOGUE);
        assertThat(tokens.usd())
                .isCloseTo(
                        CallCostEstimate.TYPICAL_PROMPT_TOKENS * 0.000008
                                + CallCostEstimate.TYPICAL_IMAGE_TOKENS * 0.000015,
                        within(1e-12));
        assertThat(new CallCostEstimate(unpriced, null, () -> HISTORY).perCall(2))
                .isEqualTo(new CallCostEstimate.Estimate(0.1, CallCostEstimate.Basis.HISTORY));
        assertThat(new CallCostEstimate(unpriced, null, () -> CallCostEstimate.History.NONE).perCall(2))
                .isEqualTo(new CallCostEstimate.Estimate(0, CallCostEstimate.Basis.UNKNOWN));
    }

    @Test
    void aHistoryThatCannotBeReadNeverStopsTheEstimate() {
        CallCostEstimate e = new CallCostEstimate(model(ModelSpec.Pricing.DEFAULT), null, () -> {
            throw new IllegalStateException("database gone");
        });
        assertThat(e.perCall(1).basis()).isEqualTo(CallCostEstimate.Basis.UNKNOWN);
    }
}
