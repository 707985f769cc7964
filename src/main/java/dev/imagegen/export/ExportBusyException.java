package dev.imagegen.export;

/** Another export is writing into the same directory (exit 4, like a second run of a dataset). */
public final class ExportBusyException extends ExportException {
    public ExportBusyException(String message) {
        super(message);
    }
}
