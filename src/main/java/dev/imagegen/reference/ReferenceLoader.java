package dev.imagegen.reference;

import dev.imagegen.support.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The reference images of a prompt as the URLs a request carries: a remote image as its URL, a local file as a
 * {@code data:} URL of its bytes — read at call time and checked against the sha256 that was staged, so the image
 * sent is the one the request hash names.
 */
public final class ReferenceLoader {

    private ReferenceLoader() {}

    public static List<String> urls(List<ReferenceImage> references) throws BadReferenceException {
        List<String> urls = new ArrayList<>(references.size());
        for (ReferenceImage r : references) {
            if (r.remote()) {
                urls.add(r.location());
                continue;
            }
            byte[] bytes = readBounded(r.ref(), Path.of(r.location()));
            if (!Sha256.hex(bytes).equals(r.sha256())) {
                throw new BadReferenceException("reference '" + r.ref() + "' changed after it was staged; the next "
                        + "run stages the new version and generates with it");
            }
            urls.add("data:" + r.mediaType() + ";base64," + Base64.getEncoder().encodeToString(bytes));
        }
        return urls;
    }

    static byte[] readBounded(String ref, Path file) throws BadReferenceException {
        // The path is a real path inside the reference root: a link put in its place later is not followed out.
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes((int) ReferenceResolver.MAX_BYTES + 1);
            if (bytes.length > ReferenceResolver.MAX_BYTES) {
                throw new BadReferenceException("reference '" + ref + "' is larger than " + ReferenceResolver.MAX_BYTES
                        + " bytes, the most a request can carry");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new BadReferenceException("reference '" + ref + "' not found (looked for " + file + ")");
        } catch (IOException e) {
            throw new BadReferenceException("reference '" + ref + "' cannot be read: " + e.getMessage());
        }
    }
}
