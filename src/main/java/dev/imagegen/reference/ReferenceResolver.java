package dev.imagegen.reference;

import dev.imagegen.model.ImageProbe;
import dev.imagegen.support.Sha256;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Turns a source row's reference cell ({@code a.png|b.jpg|https://...}) into {@link ReferenceImage}s. A local file
 * must lie inside the reference root (after resolving {@code ..} and symbolic links); it is read, checked to be a whole image and hashed once per (path, modification time, size): a dataset whose rows
 * share a few reference files stages at the speed of a {@code stat}. A URL is hashed as a string and never fetched.
 */
public final class ReferenceResolver {

    /** The providers take at most 16 reference images per request. */
    public static final int MAX_REFERENCES = 16;
    /** A data URL of this many bytes stays under the 20 MiB limit of OpenAI's {@code image_url}. */
    public static final long MAX_BYTES = 15_000_000;

    private final Path root;
    private final Pattern separator;
    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param root      relative paths are resolved against it, and no local reference may lie outside it
     *                  ({@code source.reference-root}, by default the job file's directory)
     * @param separator what separates several references in one cell
     */
    public ReferenceResolver(Path root, String separator) {
        Path absolute = root.toAbsolutePath().normalize();
        Path real;
        try {
            real = absolute.toRealPath();
        } catch (IOException e) {
            real = absolute; // checked to exist when the job file was read; nothing inside it will resolve either
        }
        this.root = real;
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
            throw new BadReferenceException(
                    refs.size() + " reference images; the providers take at most " + MAX_REFERENCES);
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
        Path file = inside(ref);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new BadReferenceException(
                    "reference '" + ref + "' cannot be read: " + e.getClass().getSimpleName());
        }
        if (!attrs.isRegularFile()) {
            throw new BadReferenceException("reference '" + ref + "' is not a file");
        }
        Cached cached = cache.get(file);
        if (cached != null && cached.modified().equals(attrs.lastModifiedTime()) && cached.size() == attrs.size()) {
            return cached.image().ref().equals(ref) ? cached.image() : withRef(cached.image(), ref);
        }
        ReferenceImage image = read(ref, file);
        cache.put(file, new Cached(attrs.lastModifiedTime(), attrs.size(), image));
        return image;
    }

    /**
     * The real path of a local reference, known to lie inside the root. What is outside the root — by {@code ..},
     * an absolute path or a symbolic link — gets one reason whatever is there, so a reject never tells whether a
     * file outside exists, nor anything else about it.
     */
    private Path inside(String ref) throws BadReferenceException {
        Path lexical;
        try {
            lexical = root.resolve(ref).normalize();
        } catch (RuntimeException e) {
            throw new BadReferenceException("reference '" + ref + "' is not a valid path");
        }
        if (!lexical.startsWith(root)) {
            throw outside(ref);
        }
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (NoSuchFileException e) {
            if (escapes(lexical)) {
                throw outside(ref);
            }
            throw new BadReferenceException("reference '" + ref + "' not found (looked for " + lexical + "; "
                    + "relative paths start at " + root + ")");
        } catch (IOException e) {
            if (escapes(lexical)) {
                throw outside(ref);
            }
            throw new BadReferenceException(
                    "reference '" + ref + "' cannot be read: " + e.getClass().getSimpleName());
        }
        if (!real.startsWith(root)) {
            throw outside(ref);
        }
        return real;
    }

    /** Whether the part of a missing path that does exist leads out of the root (a link out, or a dangling link). */
    private boolean escapes(Path lexical) {
        for (Path p = lexical; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return !p.toRealPath().startsWith(root);
                } catch (IOException e) {
                    return true;
                }
            }
        }
        return false;
    }

    private BadReferenceException outside(String ref) {
        return new BadReferenceException("reference '" + ref + "' is outside the reference directory " + root
                + "; local reference images must lie inside it (set source.reference-root to the directory that "
                + "holds them)");
    }

    private static ReferenceImage read(String ref, Path file) throws BadReferenceException {
        byte[] bytes = ReferenceLoader.readBounded(ref, file);
        String mediaType = mediaTypeOf(ref, bytes);
        return new ReferenceImage(ref, file.toString(), false, Sha256.hex(bytes), mediaType, bytes.length);
    }

    /**
     * PNG, JPEG and WebP are checked to be whole images; GIF is recognised by its signature. All of them are held to
     * {@link ImageProbe}'s size limits, read from the header.
     */
    static String mediaTypeOf(String ref, byte[] bytes) throws BadReferenceException {
        try {
            if (bytes.length >= 10
                    && (new String(bytes, 0, 6, java.nio.charset.StandardCharsets.US_ASCII).matches("GIF8[79]a"))) {
                // The logical screen: width and height, 16-bit little-endian, after the signature.
                ImageProbe.checkSize(
                        "image/gif",
                        (bytes[6] & 0xff) | (bytes[7] & 0xff) << 8,
                        (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8);
                return "image/gif";
            }
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
        return new ReferenceImage(ref, ref, true, Sha256.hex(ref), null, 0);
    }

    private static ReferenceImage withRef(ReferenceImage image, String ref) {
        return new ReferenceImage(
                ref, image.location(), image.remote(), image.sha256(), image.mediaType(), image.bytes());
    }

    private record Cached(FileTime modified, long size, ReferenceImage image) {}
}
