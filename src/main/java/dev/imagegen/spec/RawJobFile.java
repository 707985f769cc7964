package dev.imagegen.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The job file as written, before defaults and validation. Every field is nullable; kebab-case keys in YAML map to
 * these camelCase components, and any other key is an error.
 */
record RawJobFile(
        String dataset,
        Source source,
        Model model,
        Run run,
        Output output,
        Schedule schedule,
        Metrics metrics,
        @JsonProperty("notify") Notify notice) {

    record Source(
            String csv,
            String delimiter,
            String quote,
            String encoding,
            String idColumn,
            String promptColumn,
            Integer maxPromptLength,
            String referenceColumn,
            String referenceSeparator,
            Jdbc jdbc,
            String referenceRoot) {}

    record Jdbc(String url, String user, String password, String query, Integer fetchSize) {}

    record Model(
            String provider,
            String name,
            String baseUrl,
            String apiKey,
            Integer imagesPerPrompt,
            String promptTemplate,
            Map<String, Object> imageConfig,
            Long seed,
            Integer maxTokens,
            String timeout,
            String referer,
            String title,
            Pricing pricing,
            String maxResponseSize,
            List<String> fallbackModels,
            Map<String, Object> providerRouting,
            Integer imagesPerCall,
            Object modalities,
            String maxTokensParameter,
            Boolean allowInsecureHttp,
            Batch batch) {}

    record Batch(Integer maxRequests, String maxFileSize, String pollInterval, String maxPollInterval) {}

    record Pricing(
            Double inputPerMillion,
            Double outputPerMillion,
            Double imageInputPerMillion,
            Double imageOutputPerMillion) {}

    record Run(
            Integer concurrency,
            Integer partitions,
            Integer chunkSize,
            Integer skipLimit,
            Retry retry,
            Double maxCostUsd,
            Integer maxImages,
            CircuitBreaker circuitBreaker,
            Integer requestsPerMinute,
            String workers,
            String pollInterval) {}

    record CircuitBreaker(Integer window, Double failureRate) {}

    record Retry(Integer maxAttempts, String initialDelay, String maxDelay) {}

    record Output(String dir) {}

    record Schedule(String cron, String zone) {}

    record Metrics(String pushgateway, String job, String interval, String textfile, String timeout) {}

    record Notify(String webhook, String timeout) {}
}
