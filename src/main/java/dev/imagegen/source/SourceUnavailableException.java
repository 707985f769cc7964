package dev.imagegen.source;

/**
 * The source could not be read: the database is unreachable, refuses the login, or the query fails. The message
 * names the connection target without its password. The run fails (exit 1) and can be restarted once the source is
 * back; nothing staged so far is lost.
 */
public class SourceUnavailableException extends RuntimeException {

    public SourceUnavailableException(String message) {
        // No cause attached on purpose: callers report the root cause's message, and this one says more.
        super(message);
    }
}
