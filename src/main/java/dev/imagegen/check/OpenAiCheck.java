package dev.imagegen.check;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * OpenAI: {@code GET /models/{id}} proves the key and the model in one call. OpenAI lists no supported parameters,
 * so the image options are checked against its Images API's own (documented) fields and values.
 */
final class OpenAiCheck {

    /** The Images API's option fields and, where it has a fixed set, their values. */
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            "size", Set.of(),
            "quality", Set.of("auto", "low", "medium", "high", "standard", "hd"),
            "background", Set.of("auto", "transparent", "opaque"),
            "output_format", Set.of("png", "jpeg", "webp"),
            "output_compression", Set.of(),
            "moderation", Set.of("auto", "low"),
            "input_fidelity", Set.of("high", "low"),
            "style", Set.of("vivid", "natural"),
            "user", Set.of());

    /** The sizes every GPT image model takes, and the only ones OpenAI's JSON edits request lists. */
    private static final List<String> GPT_SIZES = List.of("auto", "1024x1024", "1536x1024", "1024x1536");

    private final ProviderApi api;
    private final JobSpec spec;
    private final ModelSpec model;
    private final List<Finding> findings = new ArrayList<>();

    OpenAiCheck(ProviderApi api, JobSpec spec) {
        this.api = api;
        this.spec = spec;
        this.model = spec.model();
    }

    CheckReport run(String target) {
        try {
            checkKeyAndModel();
            if (model.isBatch() && findings.stream().noneMatch(f -> f.severity() == Finding.Severity.KEY)) {
                checkBatches();
            }
        } catch (ProviderApi.Unreachable e) {
            findings.add(Finding.unreachable("provider", "OpenAI could not be asked: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            findings.add(Finding.unreachable("provider", "interrupted"));
        }
        checkOptions();
        return new CheckReport(target, findings, model.imagesPerCall());
    }

    /** The Images API's rules that depend on the model, the other options or the endpoint; null when fine. */
    private String modelRule(String option, String value, Map<String, Object> config) {
        String name = model.name();
        boolean dalle = name.startsWith("dall-e");
        boolean edits = spec.source().hasReferenceColumn();
        String format = String.valueOf(config.getOrDefault("output_format", "png"));
        switch (option) {
            case "style" -> {
                return name.startsWith("dall-e-3")
                        ? null
                        : "style is a dall-e-3 option; '" + name + "' does not "
                                + "take it (and /images/edits never does)";
            }
            case "quality" -> {
                return (value.equals("standard") || value.equals("hd")) && !dalle
                        ? "'" + value + "' is a DALL·E " + "quality; GPT image models take low, medium, high or auto"
                        : null;
            }
            case "input_fidelity" -> {
                return edits
                        ? null
                        : "input_fidelity is a field of /images/edits only; without "
                                + "source.reference-column every row goes to /images/generations, which rejects it";
            }
            case "background" -> {
                return value.equals("transparent") && !format.equals("png") && !format.equals("webp")
                        ? "a transparent background needs output_format png or webp, not " + format
                        : null;
            }
            case "output_compression" -> {
                int level;
                try {
                    level = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    return "'" + value + "' is not a whole number from 0 to 100";
                }
                if (level < 0 || level > 100) {
                    return level + " is outside 0..100";
                }
                return format.equals("jpeg") || format.equals("webp")
                        ? null
                        : "output_compression applies to " + "output_format jpeg or webp only; the output is " + format;
            }
            case "size" -> {
                return sizeRule(value, edits);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * gpt-image-2 takes any WIDTHxHEIGHT whose sides are multiples of 16, within 1:3..3:1 and at most 3840x2160;
     * the other models a fixed list; the JSON edits endpoint (reference images) the GPT image list only.
     */
    private String sizeRule(String value, boolean edits) {
        String name = model.name();
        List<String> fixed = name.startsWith("dall-e-2")
                ? List.of("256x256", "512x512", "1024x1024")
                : name.startsWith("dall-e-3")
                        ? List.of("1024x1024", "1792x1024", "1024x1792")
                        : List.of("auto", "1024x1024", "1536x1024", "1024x1536");
        if (edits && !GPT_SIZES.contains(value)) {
            return "'" + value + "' is not a size of /images/edits (reference images); OpenAI's document lists "
                    + GPT_SIZES;
        }
        if (!name.startsWith("gpt-image-2") || value.equals("auto")) {
            return fixed.contains(value) ? null : "'" + value + "' is not a size of " + name + "; use one of " + fixed;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d{2,5})x(\\d{2,5})").matcher(value);
        if (!m.matches()) {
            return "'" + value + "' is not a size; use auto or WIDTHxHEIGHT, e.g. 1536x864";
        }
        int w = Integer.parseInt(m.group(1));
        int h = Integer.parseInt(m.group(2));
        if (w % 16 != 0 || h % 16 != 0) {
            return value + ": both sides must be multiples of 16 for " + name + " (e.g. " + (w / 16 * 16) + "x"
                    + (h / 16 * 16) + ")";
        }
        if (Math.max(w, h) > 3 * Math.min(w, h)) {
            return value + ": the aspect ratio must be within 1:3 and 3:1";
        }
        if (Math.max(w, h) > 3840 || (long) w * h > 3840L * 2160) {
            return value + " is larger than " + name + "'s maximum of 3840x2160";
        }
        return null;
    }

    private void checkKeyAndModel() throws ProviderApi.Unreachable, InterruptedException {
        ProviderApi.Answer a = api.get("/models/" + URLEncoder.encode(model.name(), StandardCharsets.UTF_8));
        String code = a.errorCode();
        if (a.status() == 200) {
            findings.add(Finding.ok("model.api-key", "accepted"));
            findings.add(Finding.ok("model.name", "'" + model.name() + "' exists"));
        } else if (a.status() == 401 || a.status() == 403) {
            findings.add(Finding.key(
                    "model.api-key",
                    "OpenAI refused the key (HTTP " + a.status() + ": " + a.errorMessage()
                            + "). Export a valid key, e.g. OPENAI_API_KEY"));
        } else if ("insufficient_quota".equals(code) || a.status() == 402) {
            findings.add(Finding.key(
                    "model.api-key",
                    "out of quota (HTTP " + a.status() + ": " + a.errorMessage()
                            + "). Add credits or raise the limit"));
        } else if (a.status() == 404) {
            findings.add(Finding.ok("model.api-key", "accepted"));
            findings.add(Finding.config(
                    "model.name",
                    "OpenAI has no model '" + model.name() + "' (or this key may "
                            + "not use it): " + a.errorMessage()
                            + ". Image models are e.g. gpt-image-2, gpt-image-1.5, "
                            + "gpt-image-1, gpt-image-1-mini"));
        } else {
            findings.add(Finding.unreachable(
                    "model.name",
                    "GET /models/" + model.name() + " answered HTTP " + a.status() + ": " + a.errorMessage()));
        }
    }

    /**
     * openai-batch: the key may use the Batch API ({@code GET /batches?limit=1}, which lists without creating
     * anything) and the model is one the Batch API runs image requests for (the GPT image models).
     */
    private void checkBatches() throws ProviderApi.Unreachable, InterruptedException {
        ProviderApi.Answer a = api.get("/batches?limit=1");
        if (a.status() == 200) {
            findings.add(Finding.ok("model.provider", "the key may use the Batch API"));
        } else if (a.status() == 401 || a.status() == 403) {
            findings.add(Finding.key(
                    "model.provider",
                    "the key may not use the Batch API (HTTP " + a.status() + ": " + a.errorMessage()
                            + "); give it the Batch permission or use provider openai"));
        } else {
            findings.add(Finding.unreachable(
                    "model.provider", "GET /batches answered HTTP " + a.status() + ": " + a.errorMessage()));
        }
        if (!model.name().startsWith("gpt-image")) {
            findings.add(Finding.config(
                    "model.name",
                    "the Batch API runs image requests for the GPT image models "
                            + "(gpt-image-2, gpt-image-1.5, gpt-image-1, gpt-image-1-mini), not '" + model.name()
                            + "'"));
        }
    }

    private void checkOptions() {
        Map<String, Object> config = model.imageConfig();
        for (Map.Entry<String, Object> option : config.entrySet()) {
            String subject = "model.image-config." + option.getKey();
            Set<String> values = OPTIONS.get(option.getKey());
            if (values == null) {
                findings.add(Finding.config(
                        subject,
                        "not an option of OpenAI's Images API; it takes "
                                + new TreeSet<>(OPTIONS.keySet())
                                + (option.getKey().equals("aspect_ratio")
                                        ? " (for a shape, use size: 1536x1024 or 1024x1536)"
                                        : "")));
            } else if (!values.isEmpty() && !values.contains(String.valueOf(option.getValue()))) {
                findings.add(Finding.config(
                        subject, "'" + option.getValue() + "' is not allowed; use one of " + new TreeSet<>(values)));
            } else {
                String problem = modelRule(option.getKey(), String.valueOf(option.getValue()), config);
                if (problem != null) {
                    findings.add(Finding.config(subject, problem));
                }
            }
        }
        if (model.seed() != null) {
            findings.add(Finding.warn(
                    "model.seed",
                    "OpenAI's Images API takes no seed; it is not sent and images "
                            + "are not reproducible (it still names the request, so changing it regenerates)"));
        }
        if (spec.source().hasReferenceColumn()) {
            findings.add(Finding.ok(
                    "source.reference-column", "reference images go to /images/edits (GPT image " + "models)"));
        }
    }
}
