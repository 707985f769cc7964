package dev.imagegen.reference;

/** A reference image that cannot be used: missing, unreadable, too large, not an image, or changed. */
public class BadReferenceException extends Exception {

    public BadReferenceException(String message) {
        super(message, null, false, false);
    }
}
