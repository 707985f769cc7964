package dev.imagegen.logging;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;

/**
 * Writes to the process's standard error itself (file descriptor 2), not through {@code System.err}: in JSON mode
 * {@code System.err} is turned into log lines (see {@link LogFormat}), which must not loop back here. Stopping the
 * appender leaves the descriptor open.
 */
public final class StandardErrorAppender<E> extends OutputStreamAppender<E> {

    @Override
    public void start() {
        setOutputStream(new FilterOutputStream(new FileOutputStream(FileDescriptor.err)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        });
        super.start();
    }
}
