package dev.imagegen.generate;

import dev.imagegen.store.ImageStore;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * What the generate step's manager does before it splits, whether its partitions run on its own threads or on
 * remote workers: it removes the temporary files a process killed mid-write left (the run holds the dataset lock,
 * so nobody is writing now), and counts the images to make for the progress display ({@link PendingWorkCounter}).
 */
public final class GenerateStepListener implements StepExecutionListener {

    private final ImageStore store;
    private final PendingWorkCounter counter;

    GenerateStepListener(ImageStore store, PendingWorkCounter counter) {
        this.store = store;
        this.counter = counter;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        store.removeStrayTempFiles();
        counter.beforeStep(stepExecution);
    }
}
