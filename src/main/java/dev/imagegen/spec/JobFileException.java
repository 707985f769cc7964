package dev.imagegen.spec;

/** A job file that cannot be used: names the field and says what to do. Maps to exit code 2. */
public class JobFileException extends RuntimeException {

    public JobFileException(String message) {
        super(message);
    }
}
