package dev.imagegen.remote;

import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.JobSpecLoader;
import dev.imagegen.spec.SecretKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.springframework.batch.core.job.parameters.JobParameters;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a worker gets the job file of a partition it is handed: from the run's job parameters. The manager records
 * the job file's absolute path ({@code job.file}), its {@code --set} overrides without secrets, whether it is a dry
 * run, and the fingerprint of the settings; the worker reads the same file from the shared filesystem, expands
 * {@code ${ENV}} with its own environment (so the API key comes from the worker's environment and never passes
 * through the database), and refuses to work if the fingerprint differs.
 *
 * <p>Whoever can write the job repository can change these parameters, so a worker trusts them only for what cannot
 * leak its secrets: an override that names a secret ({@link SecretKeys}), refers to the environment, or decides
 * where the worker sends its key ({@link #DESTINATION}) is refused. Those come from the job file alone.
 */
public final class RemoteJobFile {

    /** Job parameter: the {@code --set} overrides as a JSON array, without secrets. */
    public static final String OVERRIDES = "job.overrides";
    /** Job parameter: "true" when the run uses the placeholder model ({@code --dry-run}). */
    public static final String DRY_RUN = "job.dry-run";
    /** Job parameter: the keys of secret overrides the manager had and did not pass on (names only, JSON array). */
    static final String WITHHELD = "job.withheld-overrides";

    private static final String FILE = "job.file";
    private static final String FINGERPRINT = "job.fingerprint";
    /**
     * The keys that decide where a worker sends its API key. A worker takes them from the job file only: an override
     * of them in the database could send the key anywhere.
     */
    static final Set<String> DESTINATION = Set.of("model.base-url", "model.provider", "model.allow-insecure-http");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RemoteJobFile() {}

    /**
     * The parameters a remote run adds to its job parameters.
     *
     * @param overrides the command line's {@code --set} values
     * @param spec      the job file as the manager runs it (after the capability check)
     * @throws JobFileException for an override of where requests go, which workers would refuse
     */
    public static Map<String, String> parameters(List<String> overrides, boolean dryRun, JobSpec spec) {
        List<String> travelling = new ArrayList<>();
        List<String> withheld = new ArrayList<>();
        for (String o : overrides) {
            String key = keyOf(o);
            String value = valueOf(o);
            if (DESTINATION.contains(key)) {
                throw new JobFileException("--set " + key + ": in a remote run the workers take " + key + " from the "
                        + "job file only (it decides where they send their API key, and the database that carries "
                        + "overrides to them is not trusted with that); write it in the job file instead");
            }
            if (SecretKeys.isSecretKey(key) || SecretKeys.refersToEnvironment(value)) {
                withheld.add(key); // never stored; the workers take it from their own job file and environment
            } else if (key.equals("source.jdbc.url")) {
                travelling.add(key + "=" + SecretKeys.jdbcUrlWithoutSecrets(value));
            } else {
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
        if (!withheld.isEmpty()) {
            params.put(WITHHELD, JSON.writeValueAsString(withheld));
        }
        if (dryRun) {
            params.put(DRY_RUN, "true");
        }
        return params;
    }

    private static String keyOf(String override) {
        int eq = override.indexOf('=');
        return (eq < 0 ? override : override.substring(0, eq)).strip();
    }

    private static String valueOf(String override) {
        int eq = override.indexOf('=');
        return eq < 0 ? "" : override.substring(eq + 1);
    }

    /**
     * The job file of a run, as a worker that runs {@code concurrency} partitions at once loads it.
     *
     * @throws JobFileException when the file is missing here, no longer valid, changed since the run started, the
     *                          parameters carry an override a worker does not take from the database, or the worker
     *                          has no API key
     */
    static JobSpec load(JobParameters params, int concurrency) {
        return load(params, concurrency, System::getenv);
    }

    static JobSpec load(JobParameters params, int concurrency, UnaryOperator<String> environment) {
        String file = params.getString(FILE);
        if (file == null) {
            throw new JobFileException("the run has no job.file parameter; it was not started by imagegen run");
        }
        List<String> overrides = new ArrayList<>();
        for (String o : list(params.getString(OVERRIDES))) {
            String key = keyOf(o);
            if (DESTINATION.contains(key) || SecretKeys.isSecretKey(key) || SecretKeys.refersToEnvironment(o)) {
                // Not written by imagegen run: someone changed the job repository. Name the key, never the value.
                throw new JobFileException("the run's job parameters (" + OVERRIDES + ") carry an override of " + key
                        + ", which a worker takes only from the job file and its own environment; refusing to run "
                        + "the partition (was the job repository changed by hand?)");
            }
            overrides.add(o);
        }
        // This worker's threads are the run's calls in flight here: the in-flight ceiling of its call gate.
        overrides.add("run.concurrency=" + concurrency);
        Set<String> unset = new LinkedHashSet<>();
        UnaryOperator<String> env = name -> {
            String value = environment.apply(name);
            if (value == null || value.isEmpty()) {
                unset.add(name);
            }
            return value;
        };
        JobSpec spec;
        try {
            spec = new JobSpecLoader(env).load(Path.of(file), overrides);
        } catch (JobFileException e) {
            throw new JobFileException("job file of the run on this worker: " + e.getMessage() + " (workers read the "
                    + "job file, its CSV and output.dir at the same paths as the manager: a shared filesystem)");
        }
        if ("true".equals(params.getString(DRY_RUN))) {
            spec = spec.asDryRun();
        } else if (!spec.model().isPlaceholder() && !spec.model().apiKey().isPresent()) {
            throw new JobFileException("model.api-key: this worker has no API key; "
                    + (unset.isEmpty()
                            ? "the job file " + file + " names none"
                            : "environment variable " + String.join(", ", unset)
                                    + " is not set in this worker's environment")
                    + (list(params.getString(WITHHELD)).contains("model.api-key")
                            ? " (the manager had the key from --set model.api-key, which never " + "travels to workers)"
                            : "")
                    + ". Write api-key: \"${OPENROUTER_API_KEY}\" in the job file "
                    + "and export the variable on every worker");
        }
        String expected = params.getString(FINGERPRINT);
        if (expected != null && !spec.matchesFingerprint(expected)) {
            throw new JobFileException("the job file " + file + " on this worker differs from the one the run was "
                    + "started with (source, model, prompt settings, or where requests go)"
                    + (unset.isEmpty()
                            ? ""
                            : "; these environment variables are not set here: " + String.join(", ", unset))
                    + "; restore it, or start a new run");
        }
        return spec;
    }

    private static List<String> list(String json) {
        return json == null ? List.of() : JSON.readValue(json, new TypeReference<List<String>>() {});
    }
}
