package dev.imagegen.check;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;

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
        } catch (ProviderApi.Unreachable e) {
            findings.add(Finding.unreachable("provider", "OpenAI could not be asked: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            findings.add(Finding.unreachable("provider", "interrupted"));
        }
        checkOptions();
        return new CheckReport(target, findings, model.imagesPerCall());
    }

    private void checkKeyAndModel() throws ProviderApi.Unreachable, InterruptedException {
        ProviderApi.Answer a = api.get("/models/" + URLEncoder.encode(model.name(), StandardCharsets.UTF_8));
        String code = a.errorCode();
        if (a.status() == 200) {
            findings.add(Finding.ok("model.api-key", "accepted"));
            findings.add(Finding.ok("model.name", "'" + model.name() + "' exists"));
        } else if (a.status() == 401 || a.status() == 403) {
            findings.add(Finding.key("model.api-key", "OpenAI refused the key (HTTP " + a.status() + ": "
                    + a.errorMessage() + "). Export a valid key, e.g. OPENAI_API_KEY"));
        } else if ("insufficient_quota".equals(code) || a.status() == 402) {
            findings.add(Finding.key("model.api-key", "out of quota (HTTP " + a.status() + ": " + a.errorMessage()
                    + "). Add credits or raise the limit"));
        } else if (a.status() == 404) {
            findings.add(Finding.ok("model.api-key", "accepted"));
            findings.add(Finding.config("model.name", "OpenAI has no model '" + model.name() + "' (or this key may "
                    + "not use it): " + a.errorMessage() + ". Image models are e.g. gpt-image-2, gpt-image-1.5, "
                    + "gpt-image-1, gpt-image-1-mini"));
        } else {
            findings.add(Finding.unreachable("model.name", "GET /models/" + model.name() + " answered HTTP "
                    + a.status() + ": " + a.errorMessage()));
        }
    }

    private void checkOptions() {
        for (Map.Entry<String, Object> option : model.imageConfig().entrySet()) {
            String subject = "model.image-config." + option.getKey();
            Set<String> values = OPTIONS.get(option.getKey());
            if (values == null) {
                findings.add(Finding.config(subject, "not an option of OpenAI's Images API; it takes "
                        + new TreeSet<>(OPTIONS.keySet()) + (option.getKey().equals("aspect_ratio")
                        ? " (for a shape, use size: 1536x1024 or 1024x1536)" : "")));
            } else if (!values.isEmpty() && !values.contains(String.valueOf(option.getValue()))) {
                findings.add(Finding.config(subject, "'" + option.getValue() + "' is not allowed; use one of "
                        + new TreeSet<>(values)));
            } else if (option.getKey().equals("size")
                    && !String.valueOf(option.getValue()).matches("auto|\\d{2,5}x\\d{2,5}")) {
                findings.add(Finding.config(subject, "'" + option.getValue() + "' is not a size; use auto or "
                        + "WIDTHxHEIGHT, e.g. 1024x1024"));
            }
        }
        if (model.seed() != null) {
            findings.add(Finding.warn("model.seed", "OpenAI's Images API takes no seed; it is not sent and images "
                    + "are not reproducible (it still names the request, so changing it regenerates)"));
        }
        if (spec.source().hasReferenceColumn()) {
            findings.add(Finding.ok("source.reference-column", "reference images go to /images/edits (GPT image "
                    + "models)"));
        }
    }
}
