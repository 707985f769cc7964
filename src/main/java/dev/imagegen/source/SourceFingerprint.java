package dev.imagegen.source;

import dev.imagegen.spec.JobSpec;
import dev.imagegen.support.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * What a staging read, as one hash: the CSV file's bytes and every setting that shapes a staged row (the whole
 * {@code source} and {@code model} sections: template, id and prompt columns, what goes into the request hash).
 * None for a database source (its rows cannot be hashed without reading them all) or one with reference images
 * (their files' bytes are part of each request hash).
 */
final class SourceFingerprint {

    /** Bumped whenever staging turns the same row into a different prompt row. */
    private static final String VERSION = "1";

    private SourceFingerprint() {}

    static Optional<String> of(JobSpec spec) {
        if (spec.source().isJdbc() || spec.source().hasReferenceColumn()) {
            return Optional.empty();
        }
        MessageDigest digest = Sha256.digest();
        try (InputStream in =
                new DigestInputStream(Files.newInputStream(spec.source().csv()), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            // Records print every component; Secret masks itself, so a key never enters the hash (nor matters).
            digest.update(String.join(
                            "\n",
                            VERSION,
                            spec.dataset(),
                            spec.source().toString(),
                            spec.model().toString())
                    .getBytes(StandardCharsets.UTF_8));
            return Optional.of(Sha256.hex(digest));
        } catch (IOException e) {
            return Optional.empty(); // unreadable now: the stage step's reader reports it, and nothing is reused
        }
    }
}
