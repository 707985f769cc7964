package dev.imagegen.check;

import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import java.net.http.HttpClient;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * Before any money is spent: is the key accepted, does the model exist and make images, and does it take the
 * options the job file asks for — as far as the provider can tell, with one or two GETs. {@code imagegen check}
 * prints all of it; {@code run} does the same at its start and refuses to start on a job-file or key problem.
 */
public final class CapabilityCheck {

    private final HttpClient http;
    private final JsonMapper json;

    public CapabilityCheck(HttpClient http, JsonMapper json) {
        this.http = http;
        this.json = json;
    }

    public static CapabilityCheck standard() {
        return new CapabilityCheck(ModelHttp.newClient(), JsonMapper.builder().build());
    }

    public CheckReport check(JobSpec spec) {
        ModelSpec model = spec.model();
        String target = "dataset " + spec.dataset() + ", provider " + model.provider() + ", model " + model.name()
                + (model.isPlaceholder() ? "" : " at " + model.baseUrl());
        if (model.isPlaceholder()) {
            return new CheckReport(
                    target,
                    List.of(Finding.ok("model", "the local placeholder needs no key and " + "takes every option")),
                    model.imagesPerCall());
        }
        ProviderApi api = new ProviderApi(http, json, model);
        return switch (model.provider()) {
            case ModelSpec.OPENAI, ModelSpec.OPENAI_BATCH -> new OpenAiCheck(api, spec).run(target);
            default -> new OpenRouterCheck(api, spec).run(target);
        };
    }
}
