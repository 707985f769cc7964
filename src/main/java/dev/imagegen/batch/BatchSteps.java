package dev.imagegen.batch;

import java.util.List;
import org.springframework.batch.core.step.Step;

/** The steps that follow {@code stage} for a batch provider, in order: submit, wait, collect. */
public record BatchSteps(List<Step> steps) {

    /** Job parameter of {@code run --no-wait}: submit, poll once, and end the run (exit 5) if batches still run. */
    public static final String NO_WAIT = "batch.no-wait";

    /** Set in the job execution's context when the run stopped to wait for a provider's batches (exit 5). */
    public static final String WAITING_KEY = "provider.waiting";

    public BatchSteps {
        steps = List.copyOf(steps);
    }
}
