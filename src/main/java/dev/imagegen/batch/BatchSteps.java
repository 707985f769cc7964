package dev.imagegen.batch;

import java.util.List;
import org.springframework.batch.core.step.Step;

/** The steps that follow {@code stage} for a batch provider, in order: submit, wait, collect. */
public record BatchSteps(List<Step> steps) {

    /** Job parameter of {@code run --no-wait}: submit, poll once, and end the run (exit 5) if batches still run. */
    public static final String NO_WAIT = "batch.no-wait";

    public BatchSteps {
        steps = List.copyOf(steps);
    }
}
