package dev.imagegen.remote;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.imagegen.run.RunLauncher;
import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import org.springframework.batch.core.job.parameters.JobParameters;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a worker gets the job file of a partition it is handed: from the run's job parameters. The manager records
 * the job file's absolute path ({@code job.file}), its {@code --set} overrides without secrets, whether it is a dry
 * run, and the fingerprint of the settings; the worker reads the same file from the shared filesystem, expands
 * {@code ${ENV}} with its own environment (so the API key comes from the worker's environment and never passes
 * through the database), and refuses to work if the fingerprint differs.
 */
public final class RemoteJobFile {

    /** Job parameter: the {@code --set} overrides as a JSON array, {@code model.api-key} left out. */
    public static final String OVERRIDES = "job.overrides";
    /** Job parameter: "true" when the run uses the placeholder model ({@code --dry-run}). */
    public static final String DRY_RUN = "job.dry-run";
    private static final String FILE = "job.file";
    private static final String FINGERPRINT = "job.fingerprint";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RemoteJobFile() {
    }

    /**
     * The parameters a remote run adds to its job parameters.
     *
     * @param overrides the command line's {@code --set} values
     * @param spec      the job file as the manager runs it (after the capability check)
     */
    public static Map<String, String> parameters(List<String> overrides, boolean dryRun, JobSpec spec) {
        List<String> travelling = new ArrayList<>();
        for (String o : overrides) {
            if (!isSecret(o)) {
                travelling.add(o);
            }
        }
        // What the capability check learnt of the model, so that workers ask for as many images per call.
        travelling.add("model.images-per-call=" + spec.model().imagesPerCall());
        if (!spec.model().modalities().isEmpty()) {
            travelling.add("model.modalities=" + String.join(",", spec.model().modalities()));
        }
        if (spec.model().maxTokensParameter() != null) {
            travelling.add("model.max-tokens-parameter=" + spec.model().maxTokensParameter());
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put(OVERRIDES, JSON.writeValueAsString(travelling));
        if (dryRun) {
            params.put(DRY_RUN, "true");
        }
        return params;
    }

    private static boolean isSecret(String override) {
        int eq = override.indexOf('=');
        String key = (eq < 0 ? override : override.substring(0, eq)).strip();
        return key.endsWith("api-key");
    }

    /**
     * The job file of a run, as a worker that runs {@code concurrency} partitions at once loads it.
     *
     * @throws JobFileException when the file is missing here, no longer valid, changed since the run started, or
     *                          the worker has no API key
     */
    static JobSpec load(JobParameters params, int concurrency) {
        String file = params.getString(FILE);
        if (file == null) {
            throw new JobFileException("the run has no job.file parameter; it was not started by imagegen run");
        }
        List<String> overrides = new ArrayList<>();
        String json = params.getString(OVERRIDES);
        if (json != null) {
            overrides.addAll(JSON.readValue(json, new TypeReference<List<String>>() { }));
        }
        // This worker's threads are the run's calls in flight here: the in-flight ceiling of its call gate.
        overrides.add("run.concurrency=" + concurrency);
        JobSpec spec;
        try {
            spec = new JobSpecLoader().load(Path.of(file), overrides);
        } catch (JobFileException e) {
            throw new JobFileException("job file of the run on this worker: " + e.getMessage() + " (workers read the "
                    + "job file, its CSV and output.dir at the same paths as the manager: a shared filesystem)");
        }
        if ("true".equals(params.getString(DRY_RUN))) {
            spec = spec.asDryRun();
        } else if (!spec.model().isPlaceholder() && !spec.model().apiKey().isPresent()) {
            throw new JobFileException("model.api-key: this worker has no API key; export it in the worker's "
                    + "environment (e.g. OPENROUTER_API_KEY) so that the job file's ${...} finds it");
        }
        String expected = params.getString(FINGERPRINT);
        if (expected != null && !expected.equals(RunLauncher.fingerprint(spec))) {
            throw new JobFileException("the job file " + file + " on this worker differs from the one the run was "
                    + "started with (source, model or prompt settings); restore it, or start a new run");
        }
        return spec;
    }
}
