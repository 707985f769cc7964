package dev.imagegen.source;

import java.sql.SQLException;
import java.util.function.Function;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * The stage step's reader: a CSV file or a database cursor. A database failure while staging becomes a
 * {@link SourceUnavailableException} whose message names the source (without its password) instead of a bare
 * driver message; the step fails and a restart resumes from the last committed chunk.
 */
class SourceReader implements ItemStreamReader<SourceRow> {

    private final ItemStreamReader<SourceRow> delegate;
    private final Function<SQLException, RuntimeException> translator;
    /** The run reuses the dataset's last complete staging ({@link StagingReuse}): nothing is read. */
    private boolean reused;

    SourceReader(ItemStreamReader<SourceRow> delegate, Function<SQLException, RuntimeException> translator) {
        this.delegate = delegate;
        this.translator = translator;
    }

    static SourceReader of(ItemStreamReader<SourceRow> delegate) {
        return new SourceReader(delegate, e -> null);
    }

    @Override
    public void open(ExecutionContext context) {
        reused = context.containsKey(StagingReuse.REUSED);
        if (reused) {
            return;
        }
        try {
            delegate.open(context);
        } catch (RuntimeException e) {
            throw (RuntimeException) translate(e);
        }
    }

    @Override
    public SourceRow read() throws Exception {
        if (reused) {
            return null;
        }
        try {
            return delegate.read();
        } catch (Exception e) {
            throw translate(e);
        }
    }

    @Override
    public void update(ExecutionContext context) {
        if (!reused) {
            delegate.update(context);
        }
    }

    @Override
    public void close() {
        if (!reused) {
            delegate.close();
        }
    }

    private Exception translate(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                RuntimeException translated = translator.apply(sql);
                return translated != null ? translated : e;
            }
        }
        return e;
    }
}
