package dev.imagegen.batch;

import java.util.List;

import org.springframework.batch.core.step.Step;

/** The steps that follow {@code stage} for a batch provider, in order: submit, wait, collect. */
public record BatchSteps(List<Step> steps) {

    public BatchSteps {
        steps = List.copyOf(steps);
    }
}
