package dev.imagegen.model;

import dev.imagegen.JobScoped;
import dev.imagegen.generate.RunFence;
import dev.imagegen.generate.RunGuard;
import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.model.openai.OpenAiImagesModel;
import dev.imagegen.model.openrouter.OpenRouterChatModel;
import dev.imagegen.model.openrouter.OpenRouterImagesModel;
import dev.imagegen.model.placeholder.PlaceholderImageModel;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import java.net.http.HttpClient;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Picks the model client the job file names, wrapped in the shared retry policy. */
@JobScoped
@Configuration(proxyBeanMethods = false)
public class ModelConfiguration {

    @Bean
    ProviderPause providerPause(RunGuard guard) {
        ProviderPause pause = new ProviderPause();
        // A stop (signal, budget, another thread's 401/402) ends a 429's pause at once.
        pause.stopWhen(() -> guard.ending() != RunGuard.Ending.NONE);
        guard.onStop(pause::wake);
        return pause;
    }

    @Bean
    CallGate callGate(JobSpec spec, ProviderPause pause, ObjectProvider<SharedRateLimit> shared) {
        Integer rpm = spec.run().requestsPerMinute();
        SharedRateLimit across = shared.getIfAvailable();
        if (rpm != null && across != null) {
            // A worker of a remote run: the limit is the run's, so the bucket is shared with the other workers.
            return CallGate.withBucket(pause, across.bucket(rpm), spec.run().concurrency());
        }
        return new CallGate(pause, rpm, spec.run().concurrency());
    }

    @Bean
    RetryingImageModel imageModel(
            JobSpec spec, JsonMapper json, CallGate gate, RunGuard guard, RunFence fence, JdbcTemplate jdbc) {
        RetryingImageModel.AttemptListener budget = new RetryingImageModel.AttemptListener() {
            @Override
            public void onAttempt(CallAttempt attempt) {
                guard.recordAttempt(attempt);
            }

            @Override
            public void onRetry(ModelCallException e, int attempt) {
                guard.recordRetry();
            }
        };
        return new RetryingImageModel(
                RunFence.guarding(client(spec.model(), json), fence),
                spec.run().retry(),
                gate,
                guard,
                budget,
                CallCostEstimate.of(spec.model(), null, jdbc, spec.dataset()));
    }

    static ImageModel client(ModelSpec model, JsonMapper json) {
        if (model.isPlaceholder()) {
            return new PlaceholderImageModel(model.imageConfig());
        }
        HttpClient http = ModelHttp.newClient();
        return switch (model.provider()) {
            case ModelSpec.OPENROUTER_IMAGES -> new OpenRouterImagesModel(model, http, json, Clock.systemUTC());
            // openai-batch: never called (submit/wait/collect replace generate), but the same client as openai.
            case ModelSpec.OPENAI, ModelSpec.OPENAI_BATCH ->
                new OpenAiImagesModel(model, http, json, Clock.systemUTC());
            default -> new OpenRouterChatModel(model, http, json, Clock.systemUTC());
        };
    }
}
