package dev.imagegen.report;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.support.DurableFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

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

    private final Path outputDir;
    private final Path reportDir;

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
        if (Files.isRegularFile(target)) {
            return Result.REUSED;
        }
        Path source = outputDir.resolve(image.filePath()).normalize();
        if (!source.startsWith(outputDir) || !Files.isRegularFile(source)) {
            return Result.MISSING;
        }
        try {
            BufferedImage picture = decode(source);
            if (picture == null) {
                return Result.MISSING;
            }
            write(scale(picture), target);
            return Result.MADE;
        } catch (IOException | RuntimeException e) {
            return Result.MISSING;
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
    }

    static BufferedImage scale(BufferedImage source) {
        double factor = Math.min(1.0, (double) SIZE / Math.max(source.getWidth(), source.getHeight()));
        int w = Math.max(1, (int) Math.round(source.getWidth() * factor));
        int h = Math.max(1, (int) Math.round(source.getHeight() * factor));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
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

    private static void write(BufferedImage image, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        DurableFiles.replace(target, os -> {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
                writer.setOutput(out);
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.82f);
                writer.write(null, new IIOImage(image, null, null), param);
            } finally {
                writer.dispose();
            }
        });
    }
}
