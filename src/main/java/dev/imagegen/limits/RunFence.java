package dev.imagegen.limits;

import org.springframework.batch.core.step.StepExecution;

/**
 * Whether this process may still spend money on a run and commit its rows: checked before every model call (each
 * retry included) and inside the writer's transaction before a chunk's rows are committed. A local run holds the
 * dataset's lock ({@code run.DatasetLock}); a remote worker holds its lease and its claim on the partition
 * ({@code remote.ClaimFence}). Once that is gone another process may be running the same prompts, so the partition
 * stops without calling or committing again (its files stay on disk, for whoever runs those prompts to adopt).
 */
public interface RunFence {

    /** @throws Lost when this process may not call the model for the run any more */
    void beforeCall();

    /**
     * Called inside the transaction that commits a chunk's rows of {@code partition}.
     *
     * @throws Lost when this process may not commit them any more (the transaction then rolls back)
     */
    void beforeCommit(StepExecution partition);

    /** The run is not this process's any more; the message says why and what to do. */
    final class Lost extends RuntimeException {
        public Lost(String message) {
            super(message);
        }
    }
}
