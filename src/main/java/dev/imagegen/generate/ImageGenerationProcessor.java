package dev.imagegen.generate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.RequestHash;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.store.ImageSidecar;
import dev.imagegen.store.ImageStore;
import dev.imagegen.store.StoredImage;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Makes the missing variants of one prompt. Before paying for a variant it adopts an image already on disk for the
 * same key and hash (a crash came before its row); after a call the bytes go to disk at once. No database
 * connection is used here, so none is held while the model works.
 */
class ImageGenerationProcessor implements ItemProcessor<PendingPrompt, PromptOutcome> {

    /** Failures that say more about the provider than about the prompt: they feed the circuit breaker. */
    private static final java.util.Set<FailureKind> PROVIDER_TROUBLE = java.util.EnumSet.of(FailureKind.TRANSIENT,
            FailureKind.RATE_LIMITED, FailureKind.NO_IMAGE, FailureKind.INVALID_IMAGE);

    private final RetryingImageModel model;
    private final ModelSpec modelSpec;
    private final ImageStore store;
    private final RunGuard guard;
    private final StepExecution stepExecution;

    ImageGenerationProcessor(RetryingImageModel model, ModelSpec modelSpec, ImageStore store, RunGuard guard,
                             StepExecution stepExecution) {
        this.model = model;
        this.modelSpec = modelSpec;
        this.store = store;
        this.guard = guard;
        this.stepExecution = stepExecution;
    }

    @Override
    public PromptOutcome process(PendingPrompt prompt) {
        List<StoredImage> images = new ArrayList<>();
        List<PromptOutcome.CallFailure> failures = new ArrayList<>();
        boolean deferred = false;
        for (int variant = 0; variant < modelSpec.imagesPerPrompt() && !deferred; variant++) {
            if (prompt.doneVariants().contains(variant)) {
                continue;
            }
            try {
                Optional<StoredImage> onDisk = store.adopt(prompt.promptId(), variant, prompt.requestHash());
                if (onDisk.isPresent()) {
                    images.add(onDisk.get());
                    guard.recordImage(0); // paid for in the run that crashed
                    continue;
                }
                if (!guard.mayCall()) {
                    deferred = true;
                    continue;
                }
                deferred = !generate(prompt, variant, images, failures);
            } catch (IOException e) {
                guard.stop("cannot write to output.dir " + store.root() + ": " + e.getMessage()
                        + ". Free disk space or fix permissions, then restart");
                deferred = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                guard.stop("interrupted");
                deferred = true;
            }
        }
        if (deferred) {
            // Leave this partition STOPPED (restartable) at the end of the chunk; what is done so far is written.
            stepExecution.setTerminateOnly();
        }
        return new PromptOutcome(prompt.promptId(), images, failures, deferred);
    }

    /** @return false when the run must stop (nothing recorded for this variant, so it stays pending) */
    private boolean generate(PendingPrompt prompt, int variant, List<StoredImage> images,
                             List<PromptOutcome.CallFailure> failures) throws IOException, InterruptedException {
        Long seed = RequestHash.seedFor(modelSpec, variant);
        long start = System.nanoTime();
        try {
            RetryingImageModel.Attempted attempted = model.generateCounting(
                    new ImageRequest(prompt.promptId(), variant, prompt.renderedPrompt(), seed));
            Generation g = attempted.generation();
            long latencyMs = (System.nanoTime() - start) / 1_000_000;
            ImageSidecar sidecar = new ImageSidecar(prompt.promptId(), variant, prompt.requestHash(), g.model(),
                    g.provider(), g.generationId(), seed, g.costUsd(), g.costEstimated(), g.promptTokens(),
                    g.completionTokens(), latencyMs, attempted.attempts());
            // Paid for: count the cost before anything else can go wrong.
            guard.recordCost(g.costUsd());
            guard.recordCallOutcome(false);
            images.add(store.store(g.images().get(0), sidecar));
            guard.recordImage(0);
            return true;
        } catch (RetryingImageModel.AttemptsExhausted e) {
            if (e.costUsd() != null) {
                guard.recordCost(e.costUsd());
            }
            if (e.kind().action() == FailureKind.Action.STOP) {
                // Not a skip: the prompt stays pending and the restart sends it again.
                guard.stop(stopMessage(e));
                return false;
            }
            failures.add(failure(prompt, variant, e, e.attempts()));
            guard.recordCallOutcome(PROVIDER_TROUBLE.contains(e.kind()));
            guard.recordSkip(e.kind().id());
            return true;
        } catch (ModelCallException e) {
            throw new IllegalStateException("unwrapped model failure", e);
        }
    }

    private static PromptOutcome.CallFailure failure(PendingPrompt p, int variant, ModelCallException e,
                                                     int attempts) {
        return new PromptOutcome.CallFailure(p.promptId(), variant, e.kind().id(), e.httpStatus(), e.getMessage(),
                attempts, e.costUsd());
    }

    private String stopMessage(ModelCallException e) {
        String status = e.httpStatus() == null ? "" : " (HTTP " + e.httpStatus() + ")";
        return switch (e.kind()) {
            case AUTH -> "the provider rejected the API key" + status + ": " + e.getMessage()
                    + ". Set a valid key in the environment, then restart";
            case CREDITS -> "the account is out of credits" + status + ": " + e.getMessage()
                    + ". Add credits or raise the key's limit, then restart";
            default -> "model '" + modelSpec.name() + "' cannot be used" + status + ": " + e.getMessage()
                    + ". Fix model.name or its options";
        };
    }
}
