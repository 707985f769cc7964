package dev.imagegen.model;

/** The bytes of one image with what was read from them: its real type and size. */
public record ImageData(byte[] bytes, String mediaType, int width, int height) {

    public String extension() {
        return switch (mediaType) {
            case "image/jpeg" -> "jpg";
            case "image/webp" -> "webp";
            default -> "png";
        };
    }
}
