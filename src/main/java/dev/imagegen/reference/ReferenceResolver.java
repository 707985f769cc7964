package dev.imagegen.reference;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import dev.imagegen.model.ImageProbe;

/**
 * Turns a source row's reference cell ({@code a.png|b.jpg|https://...}) into {@link ReferenceImage}s. A local file
 * is read, checked to be a whole image and hashed once per (path, modification time, size): a dataset whose rows
 * share a few reference files stages at the speed of a {@code stat}. A URL is hashed as a string and never fetched.
 */
public final class ReferenceResolver {

    /** The providers take at most 16 reference images per request. */
    public static final int MAX_REFERENCES = 16;
    /** A data URL of this many bytes stays under the 20 MiB limit of OpenAI's {@code image_url}. */
    public static final long MAX_BYTES = 15_000_000;

    private final Path baseDir;
    private final Pattern separator;
    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param baseDir   relative paths are resolved against it (the job file's directory)
     * @param separator what separates several references in one cell
     */
    public ReferenceResolver(Path baseDir, String separator) {
        this.baseDir = baseDir;
        this.separator = Pattern.compile(Pattern.quote(separator));
    }

    public List<ReferenceImage> resolve(String cell) throws BadReferenceException {
        if (cell == null || cell.isBlank()) {
            return List.of();
        }
        List<ReferenceImage> refs = new ArrayList<>();
        for (String part : separator.split(cell)) {
            String ref = part.strip();
            if (!ref.isEmpty()) {
                refs.add(resolveOne(ref));
            }
        }
        if (refs.size() > MAX_REFERENCES) {
            throw new BadReferenceException(refs.size() + " reference images; the providers take at most "
                    + MAX_REFERENCES);
        }
        return refs;
    }

    private ReferenceImage resolveOne(String ref) throws BadReferenceException {
        String lower = ref.toLowerCase();
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return url(ref);
        }
        if (ref.indexOf('\0') >= 0) {
            throw new BadReferenceException("reference '" + ref.replace('\0', '?') + "' contains a NUL character");
        }
        Path file;
        try {
            file = baseDir.resolve(ref).normalize();
        } catch (RuntimeException e) {
            throw new BadReferenceException("reference '" + ref + "' is not a valid path: " + e.getMessage());
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BadReferenceException("reference '" + ref + "' not found (looked for " + file
                    + "; paths are relative to the job file)");
        } catch (IOException e) {
            throw new BadReferenceException("reference '" + ref + "' cannot be read: " + e.getMessage());
        }
        if (!attrs.isRegularFile()) {
            throw new BadReferenceException("reference '" + ref + "' is not a file (" + file + ")");
        }
        Cached cached = cache.get(file);
        if (cached != null && cached.modified().equals(attrs.lastModifiedTime()) && cached.size() == attrs.size()) {
            return cached.image().ref().equals(ref) ? cached.image() : withRef(cached.image(), ref);
        }
        ReferenceImage image = read(ref, file);
        cache.put(file, new Cached(attrs.lastModifiedTime(), attrs.size(), image));
        return image;
    }

    private static ReferenceImage read(String ref, Path file) throws BadReferenceException {
        byte[] bytes = ReferenceLoader.readBounded(ref, file);
        String mediaType = mediaTypeOf(ref, bytes);
        return new ReferenceImage(ref, file.toString(), false, sha256(bytes), mediaType, bytes.length);
    }

    /** PNG, JPEG and WebP are checked to be whole images; GIF is recognised by its signature. */
    static String mediaTypeOf(String ref, byte[] bytes) throws BadReferenceException {
        if (bytes.length >= 6 && (new String(bytes, 0, 6, java.nio.charset.StandardCharsets.US_ASCII)
                .matches("GIF8[79]a"))) {
            return "image/gif";
        }
        try {
            return ImageProbe.inspect(bytes, null).mediaType();
        } catch (ImageProbe.InvalidImageException e) {
            throw new BadReferenceException("reference '" + ref + "' is not a usable image: " + e.getMessage());
        }
    }

    private static ReferenceImage url(String ref) throws BadReferenceException {
        try {
            URI uri = URI.create(ref);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            throw new BadReferenceException("reference '" + ref + "' is not a valid URL: " + e.getMessage());
        }
        return new ReferenceImage(ref, ref, true, sha256(ref.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                null, 0);
    }

    private static ReferenceImage withRef(ReferenceImage image, String ref) {
        return new ReferenceImage(ref, image.location(), image.remote(), image.sha256(), image.mediaType(),
                image.bytes());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Cached(FileTime modified, long size, ReferenceImage image) {
    }
}
