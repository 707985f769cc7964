package dev.imagegen.export;

/** An export that cannot start as asked (unknown run, a directory holding something else): a usage error. */
public class ExportException extends RuntimeException {
    public ExportException(String message) {
        super(message);
    }
}
