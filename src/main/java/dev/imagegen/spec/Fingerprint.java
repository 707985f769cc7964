package dev.imagegen.spec;

import dev.imagegen.support.Sha256;

/** The fingerprint of a job file ({@link JobSpec#fingerprint()}): recorded with a run, compared by its restarts. */
final class Fingerprint {

    private Fingerprint() {}

    /**
     * A hash of the settings a restart must share with the first execution, and a remote worker with its manager:
     * what shapes the pictures, and where requests go (provider, base URL, fallback models, provider routing, the
     * source, the directory references may be read from). No secrets, no tuning. Prefixed with its version, so that runs recorded before it are still matched.
     */
    static String of(JobSpec spec) {
        var m = spec.model();
        String destination = String.join(
                "\n",
                withoutUserInfo(m.baseUrl()),
                String.valueOf(m.fallbackModels()),
                new java.util.TreeMap<>(m.providerRouting()).toString(),
                String.valueOf(spec.source().referenceRoot()));
        return FINGERPRINT_VERSION + sha256(legacySettings(spec) + "\n" + destination);
    }

    /** Whether a fingerprint recorded with a run matches the settings of this job file. */
    static boolean matches(String recorded, JobSpec spec) {
        return recorded.startsWith(FINGERPRINT_VERSION)
                ? recorded.equals(of(spec))
                : recorded.equals(sha256(legacySettings(spec))); // a run started before where-requests-go was in it
    }

    private static final String FINGERPRINT_VERSION = "2:";

    private static String legacySettings(JobSpec spec) {
        var m = spec.model();
        var s = spec.source();
        String source = s.isJdbc() ? s.jdbc().target() + "\n" + s.jdbc().query() : String.valueOf(s.csv());
        return String.join(
                "\n",
                spec.dataset(),
                source,
                s.promptColumn(),
                String.valueOf(s.idColumn()),
                String.valueOf(s.delimiter()),
                m.provider(),
                m.name(),
                m.promptTemplate(),
                new java.util.TreeMap<>(m.imageConfig()).toString(),
                String.valueOf(m.seed()),
                String.valueOf(m.imagesPerPrompt()),
                String.valueOf(spec.output().dir()));
    }

    private static String withoutUserInfo(java.net.URI url) {
        return url.getRawUserInfo() == null ? url.toString() : url.toString().replace(url.getRawUserInfo() + "@", "");
    }

    private static String sha256(String text) {
        return Sha256.hex(text).substring(0, 16);
    }
}
