package dev.imagegen.report;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.support.DurableFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Small JPEG previews of a run's images, stored next to its report ({@code thumbs/<shard>/<name>.jpg}) so the page
 * works from the file system without loading full-size pictures. PNG and JPEG decode with the JDK, WebP with the
 * TwelveMonkeys ImageIO plugin. A thumbnail's name carries the image's hash, so one that exists is reused as is.
 */
final class Thumbnails {

    static final int SIZE = 256;

    static {
        // In the packaged jar the plugins (WebP) sit in nested jars that ImageIO's first scan may not have seen.
        ImageIO.scanForPlugins();
        // Streams buffer in memory, not in a temporary file per thumbnail (ImageIO's default).
        ImageIO.setUseCache(false);
    }

    /** Larger files are decoded by ImageIO from the file, not read into memory whole. */
    static final long MAX_READ_WHOLE = 32L << 20;

    private final Path outputDir;
    private final Path reportDir;
    private final Set<Path> madeDirs = ConcurrentHashMap.newKeySet();

    Thumbnails(Path outputDir, Path reportDir) {
        this.outputDir = outputDir.toAbsolutePath().normalize();
        this.reportDir = reportDir;
    }

    /** The thumbnail's path relative to the report directory: {@code thumbs/ab/<stem>_<sha12>.jpg}. */
    static String relativePath(ImageRecord image) {
        String file = image.filePath();
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String parent = file.contains("/") ? file.substring(0, file.lastIndexOf('/')) : "";
        String shard = parent.substring(parent.lastIndexOf('/') + 1);
        return "thumbs/" + (shard.isEmpty() ? "" : shard + "/") + stem + "_"
                + image.sha256().substring(0, 12) + ".jpg";
    }

    /** What happened for one image. */
    enum Result {
        MADE,
        REUSED,
        MISSING
    }

    Result ensure(ImageRecord image) {
        Path target = reportDir.resolve(relativePath(image)).normalize();
        if (!target.startsWith(reportDir)) {
            return Result.MISSING;
        }
        if (isMade(target)) {
            return Result.REUSED;
        }
        Path source = outputDir.resolve(image.filePath()).normalize();
        if (!source.startsWith(outputDir) || !Files.isRegularFile(source)) {
            return Result.MISSING;
        }
        try {
            BufferedImage thumbnail = make(source);
            if (thumbnail == null) {
                return Result.MISSING;
            }
            write(thumbnail, target);
            return Result.MADE;
        } catch (IOException | RuntimeException e) {
            return Result.MISSING;
        }
    }

    /**
     * A thumbnail made by an earlier report: its name carries the image's hash, so one that exists belongs to this
     * very image. An empty file is not one: thumbnails are written without an fsync (see {@link #write}), and after a
     * power cut a file whose rename reached the disk before its bytes is left empty; it is made again.
     */
    private static boolean isMade(Path target) {
        try {
            BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
            return a.isRegularFile() && a.size() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The thumbnail of one image file, or null when it cannot be decoded. A PNG that {@link PngThumbnail} takes (what
     * models return) is made from the file's bytes in one pass; anything else (JPEG, WebP, palette PNGs, a file over
     * {@link #MAX_READ_WHOLE}) is decoded by ImageIO and scaled.
     */
    static BufferedImage make(Path source) throws IOException {
        if (Files.size(source) > MAX_READ_WHOLE) {
            BufferedImage picture = decode(source);
            return picture == null ? null : scale(picture);
        }
        byte[] bytes = Files.readAllBytes(source);
        BufferedImage thumbnail = PngThumbnail.make(bytes, SIZE);
        if (thumbnail != null) {
            return thumbnail;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            BufferedImage picture = decode(in);
            return picture == null ? null : scale(picture);
        }
    }

    /**
     * Decodes with subsampling when the picture is at least twice the thumbnail's size, to between one and two
     * times that size: a fraction of the pixels to convert and scale (a 1024 x 1024 picture is read as 256 x 256). A
     * picture
     * whose header declares more than {@link ImageProbe}'s limits is not decoded at all (null): a small file can
     * declare 100000 x 100000 pixels.
     */
    static BufferedImage decode(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in);
        }
    }

    private static BufferedImage decode(ImageInputStream in) throws IOException {
        if (in == null) {
            return null;
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            return null;
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, true, true);
            if (!ImageProbe.withinLimits(reader.getWidth(0), reader.getHeight(0))) {
                return null;
            }
            int longest = Math.max(reader.getWidth(0), reader.getHeight(0));
            ImageReadParam param = reader.getDefaultReadParam();
            int step = Math.max(1, longest / SIZE);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            return reader.read(0, param);
        } finally {
            reader.dispose();
        }
    }

    static BufferedImage scale(BufferedImage source) {
        double factor = Math.min(1.0, (double) SIZE / Math.max(source.getWidth(), source.getHeight()));
        int w = Math.max(1, (int) Math.round(source.getWidth() * factor));
        int h = Math.max(1, (int) Math.round(source.getHeight() * factor));
        // 3-byte pixels: the JPEG writer copies them to its own layout faster than TYPE_INT_RGB's.
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.WHITE); // transparent pictures get a white background in the JPEG
            g.fillRect(0, 0, w, h);
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Writes the JPEG under a temporary name and renames it into place: a report being read (or a second one
     * writing) never sees half a thumbnail. No fsync, neither of the file nor of its directory: a thumbnail is a
     * cache derived from an image that is itself durable, and forcing each one cost a disk flush per image (10,000
     * flushes for a 10,000-image gallery) for nothing a crash could lose but the work of making it again; what a
     * power cut can leave, an empty file under the final name, is not reused ({@link #isMade}).
     */
    private void write(BufferedImage image, Path target) throws IOException {
        Path dir = target.getParent();
        if (!madeDirs.contains(dir)) {
            Files.createDirectories(dir);
            madeDirs.add(dir);
        }
        DurableFiles.replace(target, JPEG.get().encode(image));
    }

    /** One JPEG writer per thread, kept between thumbnails (finding and setting one up costs more than a small image). */
    private static final ThreadLocal<JpegEncoder> JPEG = ThreadLocal.withInitial(JpegEncoder::new);

    private static final class JpegEncoder {
        private ImageWriter writer;
        private ImageWriteParam param;

        byte[] encode(BufferedImage image) throws IOException {
            if (writer == null) {
                writer = ImageIO.getImageWritersByFormatName("jpeg").next();
                param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.82f);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * 1024);
            try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(image, null, null), param);
            } catch (IOException | RuntimeException e) {
                writer.dispose(); // a writer that failed half-way is not used again
                writer = null;
                throw e;
            }
            return bytes.toByteArray();
        }
    }
}
