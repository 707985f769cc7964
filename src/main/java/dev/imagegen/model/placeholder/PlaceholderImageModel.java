package dev.imagegen.model.placeholder;

import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageData;
import dev.imagegen.model.ImageModel;
import dev.imagegen.model.ImageProbe;
import dev.imagegen.model.ImageRequest;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The {@code --dry-run} model: draws a PNG per prompt — a colour from the prompt's hash and the prompt's words —
 * locally and at zero cost, so a job file, a scheduler or CI can run the whole pipeline without spending money.
 */
public final class PlaceholderImageModel implements ImageModel {

    private final int width;
    private final int height;

    public PlaceholderImageModel(Map<String, Object> imageConfig) {
        int[] size = sizeFor(String.valueOf(imageConfig.getOrDefault("aspect_ratio", "1:1")));
        this.width = size[0];
        this.height = size[1];
    }

    static int[] sizeFor(String aspectRatio) {
        String[] parts = aspectRatio.split(":");
        try {
            double w = Double.parseDouble(parts[0]);
            double h = Double.parseDouble(parts[1]);
            double scale = 256 / Math.sqrt(w * h);
            return new int[] {(int) Math.round(w * scale), (int) Math.round(h * scale)};
        } catch (RuntimeException e) {
            return new int[] {256, 256};
        }
    }

    @Override
    public Generation generate(ImageRequest request) {
        int hash = (request.prompt() + "#" + request.variant()).hashCode();
        Color background = Color.getHSBColor((hash & 0xffff) / 65535f, 0.45f, 0.85f);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(background);
            g.fillRect(0, 0, width, height);
            drawCaption(g, request.prompt());
        } finally {
            g.dispose();
        }
        byte[] png = encode(image);
        try {
            ImageData data = ImageProbe.inspect(png, "image/png");
            return new Generation(
                    List.of(data),
                    "placeholder-" + Integer.toHexString(hash),
                    "placeholder",
                    "local",
                    0,
                    0,
                    0,
                    false,
                    null);
        } catch (ImageProbe.InvalidImageException e) {
            throw new IllegalStateException("placeholder PNG did not validate", e);
        }
    }

    private void drawCaption(Graphics2D g, String prompt) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            int y = 20;
            for (String line : wrap(prompt, fm, width - 16)) {
                if (y > height - 8) {
                    break;
                }
                g.drawString(line, 8, y);
                y += fm.getHeight();
            }
        } catch (RuntimeException | Error noFonts) {
            // A headless machine without fonts still gets its coloured placeholder.
        }
    }

    private static List<String> wrap(String text, FontMetrics fm, int maxWidth) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split("\\s+")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (fm.stringWidth(candidate) > maxWidth && !line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static byte[] encode(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
