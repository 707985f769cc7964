package dev.imagegen.model;

import dev.imagegen.JobScoped;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

import dev.imagegen.generate.RunGuard;
import dev.imagegen.model.openrouter.OpenRouterChatModel;
import dev.imagegen.model.placeholder.PlaceholderImageModel;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Picks the model client the job file names, wrapped in the shared retry policy. */
@JobScoped
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

    @Bean
    ProviderPause providerPause() {
        return new ProviderPause();
    }

    @Bean
    CallGate callGate(JobSpec spec, ProviderPause pause) {
        return new CallGate(pause, spec.run().requestsPerMinute(), spec.run().concurrency());
    }

    @Bean
    RetryingImageModel imageModel(JobSpec spec, JsonMapper json, CallGate gate, RunGuard guard) {
        return new RetryingImageModel(client(spec.model(), json), spec.run().retry(), gate,
                RetryingImageModel.Sleeper.REAL, (e, attempt) -> guard.recordRetry());
    }

    static ImageModel client(ModelSpec model, JsonMapper json) {
        if (model.isPlaceholder()) {
            return new PlaceholderImageModel(model.imageConfig());
        }
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        return new OpenRouterChatModel(model, http, json, Clock.systemUTC());
    }
}
