package dev.imagegen.catalog;

/** One run of a dataset: the run id the user gave (or got) and the Spring Batch job instance behind it. */
public record RunRef(String dataset, String runId, long jobInstanceId) {}
