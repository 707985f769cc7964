package dev.imagegen.generate;

import dev.imagegen.JobScoped;
import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CallCostEstimate;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
import dev.imagegen.model.CallGate;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.model.ProviderPause;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.model.SharedRateLimit;
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
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Picks the model client the job file names, wrapped in the run's fence and the shared retry policy. It lives here,
 * above {@code model} and its providers, so that {@code model} knows none of them (the providers depend on it).
 */
@JobScoped
@Configuration(proxyBeanMethods = false)
public class ModelConfiguration {

    @Bean
    ProviderPause providerPause(RunGuard guard) {
        ProviderPause pause = new ProviderPause();
        // A stop (signal, budget, another thread's 401/402) ends a 429's pause at once.
        pause.stopWhen(() -> guard.ending() != StopSignal.Ending.NONE);
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

    /** The HTTP client of the run's calls, closed with the context; lazy: the placeholder model calls nothing. */
    @Bean
    @Lazy
    ModelHttp.Lease modelHttp() {
        return ModelHttp.Lease.open();
    }

    @Bean
    RetryingImageModel imageModel(
            JobSpec spec,
            JsonMapper json,
            CallGate gate,
            RunGuard guard,
            RunFence fence,
            JdbcTemplate jdbc,
            ObjectProvider<ModelHttp.Lease> http) {
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
                fenced(client(spec.model(), http, json), fence),
                spec.run().retry(),
                gate,
                guard,
                budget,
                CallCostEstimate.of(spec.model(), null, jdbc, spec.dataset()));
    }

    static ImageModel client(ModelSpec model, ObjectProvider<ModelHttp.Lease> lease, JsonMapper json) {
        if (model.isPlaceholder()) {
            return new PlaceholderImageModel(model.imageConfig());
        }
        HttpClient http = lease.getObject().http();
        return switch (model.provider()) {
            case ModelSpec.OPENROUTER_IMAGES -> new OpenRouterImagesModel(model, http, json, Clock.systemUTC());
            // openai-batch: never called (submit/wait/collect replace generate), but the same client as openai.
            case ModelSpec.OPENAI, ModelSpec.OPENAI_BATCH ->
                new OpenAiImagesModel(model, http, json, Clock.systemUTC());
            default -> new OpenRouterChatModel(model, http, json, Clock.systemUTC());
        };
    }

    /** {@code model}, checking the run's fence before each of its calls (every retry too). */
    static ImageModel fenced(ImageModel model, RunFence fence) {
        return new ImageModel() {
            @Override
            public Generation generate(ImageRequest request) throws ModelCallException, InterruptedException {
                fence.beforeCall();
                return model.generate(request);
            }

            @Override
            public int maxImagesPerCall() {
                return model.maxImagesPerCall();
            }
        };
    }
}
