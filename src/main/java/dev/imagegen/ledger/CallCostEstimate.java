package dev.imagegen.ledger;

import dev.imagegen.spec.ModelSpec;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The one place that prices a call whose cost nobody stated: a call whose answer never arrived (timeout, reset after
 * the request was sent: {@link CostBasis#POSSIBLY_BILLED}), and the calls a run is about to make ({@code imagegen
 * plan}). In this order:
 * <ol>
 *   <li>{@code model.pricing} when the job file sets it (or the provider has built-in list prices, as OpenAI's GPT
 *       image models): its token prices times the tokens a call takes (the dataset's mean per image, else
 *       {@link #TYPICAL_IMAGE_TOKENS});</li>
 *   <li>the catalogue's pricing, when the capability check fetched it (per image, or per token);</li>
 *   <li>the dataset's recent mean cost per image, from its last {@link #HISTORY_CALLS} calls with a stated or
 *       estimated cost in {@code model_call};</li>
 *   <li>else 0, basis {@link Basis#UNKNOWN}.</li>
 * </ol>
 * The history is read on first use and again when it is older than {@link #HISTORY_TTL} (a scheduler runs many runs
 * with one estimate): a short query on a pooled connection, between calls, never per call.
 */
public final class CallCostEstimate {

    /** Output tokens of one 1024x1024 image of the GPT image models at medium quality, the usual default. */
    public static final long TYPICAL_IMAGE_TOKENS = 1290;
    /** Prompt tokens assumed when the dataset has no history: a sentence or two. */
    public static final long TYPICAL_PROMPT_TOKENS = 100;
    /** How many of the dataset's latest calls its mean is taken over. */
    public static final int HISTORY_CALLS = 200;
    /** How long a read history is used before it is read again. */
    public static final java.time.Duration HISTORY_TTL = java.time.Duration.ofMinutes(10);

    /** Where an estimate came from. */
    public enum Basis {
        MODEL_PRICING("model.pricing"),
        CATALOGUE("the provider's catalogue pricing"),
        HISTORY("the dataset's recent mean cost per image"),
        UNKNOWN("unknown (no pricing, no catalogue, no history)");

        private final String label;

        Basis(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The estimated cost of one call, in USD, and what it rests on. */
    public record Estimate(double usd, Basis basis) {
        @Override
        public String toString() {
            return String.format("$%.4f (%s)", usd, basis.label());
        }
    }

    /**
     * A model's catalogue price, as {@code GET /models} (per token: {@code pricing.prompt}, {@code .completion}) or
     * {@code GET /images/models} (per image) states it; either part may be null.
     */
    public record CataloguePrice(Double perImageUsd, Double promptPerToken, Double completionPerToken) {

        boolean usable() {
            return perImageUsd != null || promptPerToken != null || completionPerToken != null;
        }
    }

    /** The dataset's recent calls: how many, and their mean cost, completion and prompt tokens per image. */
    public record History(long calls, double usdPerImage, double completionTokensPerImage, double promptTokensPerCall) {
        public static final History NONE = new History(0, 0, 0, 0);

        /** The completion tokens of an image as seen so far, else {@link #TYPICAL_IMAGE_TOKENS}. */
        double imageTokens() {
            return calls > 0 && completionTokensPerImage > 0 ? completionTokensPerImage : TYPICAL_IMAGE_TOKENS;
        }

        /** The prompt tokens of a call as seen so far, else {@link #TYPICAL_PROMPT_TOKENS}. */
        double promptTokens() {
            return calls > 0 && promptTokensPerCall > 0 ? promptTokensPerCall : TYPICAL_PROMPT_TOKENS;
        }
    }

    private final ModelSpec model;
    private final CataloguePrice catalogue;
    private final Supplier<History> history;
    private volatile History read;
    private volatile long readAt;

    /**
     * @param catalogue the catalogue's price of the model, or null when the check did not fetch it
     * @param history   the dataset's history (read at most once), e.g. {@link #history(JdbcTemplate, String)}
     */
    public CallCostEstimate(ModelSpec model, CataloguePrice catalogue, Supplier<History> history) {
        this.model = model;
        this.catalogue = catalogue;
        this.history = history;
    }

    /** The estimate for a dataset, its history read from {@code model_call} when first needed. */
    public static CallCostEstimate of(ModelSpec model, CataloguePrice catalogue, JdbcTemplate jdbc, String dataset) {
        return new CallCostEstimate(model, catalogue, () -> history(jdbc, dataset));
    }

    /** The estimated cost of one call that asks for {@code images} images (the Images APIs' {@code n}), with its basis. */
    public Estimate perCall(int images) {
        int n = Math.max(1, images);
        History h = history();
        if (explicitPricing()) {
            double completion = h.imageTokens();
            double prompt = h.promptTokens();
            ModelSpec.Pricing p = model.pricing();
            // Image output at the image price (OpenAI's), the prompt as text.
            return new Estimate(
                    (prompt * p.inputPerMillion() + n * completion * p.imageOutputPerMillion()) / 1_000_000d,
                    Basis.MODEL_PRICING);
        }
        if (catalogue != null && catalogue.usable()) {
            if (catalogue.perImageUsd() != null) {
                return new Estimate(n * catalogue.perImageUsd(), Basis.CATALOGUE);
            }
            double completion = h.imageTokens();
            double prompt = h.promptTokens();
            return new Estimate(
                    prompt * orZero(catalogue.promptPerToken())
                            + n * completion * orZero(catalogue.completionPerToken()),
                    Basis.CATALOGUE);
        }
        if (h.calls() > 0) {
            return new Estimate(n * h.usdPerImage(), Basis.HISTORY);
        }
        return new Estimate(0, Basis.UNKNOWN);
    }

    /** Whether the job file priced the model itself (or the provider has built-in prices), not the default guess. */
    private boolean explicitPricing() {
        ModelSpec.Pricing p = model.pricing();
        return p != null && !p.equals(ModelSpec.Pricing.DEFAULT) && !model.isPlaceholder();
    }

    private History history() {
        History h = read;
        if (h == null || System.nanoTime() - readAt > HISTORY_TTL.toNanos()) {
            try {
                h = history.get();
            } catch (RuntimeException e) {
                h = History.NONE; // an estimate must never stop a run: without history it rests on the rest
            }
            read = h == null ? History.NONE : h;
            readAt = System.nanoTime();
        }
        return read;
    }

    /** The dataset's last {@link #HISTORY_CALLS} answered calls with a cost (stated or estimated), as means. */
    public static History history(JdbcTemplate jdbc, String dataset) {
        Map<String, Object> row = jdbc.queryForMap("""
                SELECT count(*) AS calls,
                       coalesce(sum(cost_usd) / nullif(sum(greatest(images_requested, 1)), 0), 0)::float8 AS usd,
                       coalesce(sum(completion_tokens) / nullif(sum(greatest(images_requested, 1)), 0), 0)::float8
                           AS completion,
                       coalesce(avg(prompt_tokens), 0)::float8 AS prompt
                  FROM (SELECT cost_usd, images_requested, completion_tokens, prompt_tokens FROM model_call
                         WHERE dataset = ? AND cost_basis IN ('known', 'estimated') AND outcome <> 'adopted'
                         ORDER BY id DESC LIMIT ?) recent""", dataset, HISTORY_CALLS);
        return new History(
                ((Number) row.get("calls")).longValue(),
                ((Number) row.get("usd")).doubleValue(),
                ((Number) row.get("completion")).doubleValue(),
                ((Number) row.get("prompt")).doubleValue());
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }
}
