package dev.imagegen.generate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.imagegen.model.FailureKind;
import dev.imagegen.model.Generation;
import dev.imagegen.model.ImageRequest;
import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.RequestHash;
import dev.imagegen.model.RetryingImageModel;
import dev.imagegen.reference.BadReferenceException;
import dev.imagegen.reference.ReferenceLoader;
import dev.imagegen.spec.ModelSpec;
import dev.imagegen.store.ImageSidecar;
import dev.imagegen.store.ImageStore;
import dev.imagegen.store.StoredImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Makes the missing variants of one prompt. Before paying for a variant it adopts an image already on disk for the
 * same key and hash (a crash came before its row); then it asks for the rest in as few calls as the model allows
 * ({@link dev.imagegen.model.ImageModel#maxImagesPerCall()}: {@code n} of the Images APIs), and the bytes go to disk
 * at once. A call that returns fewer images than asked leaves the rest for the next call. No database connection is
 * used here, so none is held while the model works.
 */
class ImageGenerationProcessor implements ItemProcessor<PendingPrompt, PromptOutcome> {

    private static final Logger log = LoggerFactory.getLogger(ImageGenerationProcessor.class);
    /** Failures that say more about the provider than about the prompt: they feed the circuit breaker. */
    private static final Set<FailureKind> PROVIDER_TROUBLE = EnumSet.of(FailureKind.TRANSIENT,
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
        try {
            List<Integer> pending = adoptFromDisk(prompt, images);
            List<String> referenceUrls = pending.isEmpty() ? List.of() : referenceUrls(prompt, pending, failures);
            while (!pending.isEmpty() && !deferred) {
                int count = Math.min(pending.size(), Math.max(1, model.maxImagesPerCall()));
                if (!guard.mayCall(count)) {
                    deferred = true;
                    break;
                }
                try {
                    deferred = !generate(prompt, pending, count, referenceUrls, images, failures);
                } finally {
                    guard.callFinished(count);
                }
            }
        } catch (IOException e) {
            guard.stop("cannot write to output.dir " + store.root() + ": " + e.getMessage()
                    + ". Free disk space or fix permissions, then restart");
            deferred = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            guard.stop("interrupted");
            deferred = true;
        }
        if (deferred) {
            // Leave this partition STOPPED (restartable) at the end of the chunk; what is done so far is written.
            stepExecution.setTerminateOnly();
        }
        return new PromptOutcome(prompt.promptId(), images, failures, deferred);
    }

    /** @return the variants still missing after adopting those already on disk, in ascending order */
    private List<Integer> adoptFromDisk(PendingPrompt prompt, List<StoredImage> images) throws IOException {
        List<Integer> pending = new ArrayList<>();
        for (int variant = 0; variant < modelSpec.imagesPerPrompt(); variant++) {
            if (prompt.doneVariants().contains(variant)) {
                continue;
            }
            Optional<StoredImage> onDisk = store.adopt(prompt.promptId(), variant, prompt.requestHash());
            if (onDisk.isPresent()) {
                images.add(onDisk.get());
                guard.recordImage(0); // paid for in the run that crashed
            } else {
                pending.add(variant);
            }
        }
        return pending;
    }

    /**
     * One call for up to {@code maxImagesPerCall} of the pending variants; what it returns is stored and removed
     * from {@code pending}, a failure is recorded for every variant it asked for.
     *
     * @return false when the run must stop (nothing recorded for these variants, so they stay pending)
     */
    private boolean generate(PendingPrompt prompt, List<Integer> pending, int count, List<String> referenceUrls,
                             List<StoredImage> images, List<PromptOutcome.CallFailure> failures)
            throws IOException, InterruptedException {
        int first = pending.get(0);
        Long seed = RequestHash.seedFor(modelSpec, first);
        long start = System.nanoTime();
        try {
            RetryingImageModel.Attempted attempted = model.generateCounting(new ImageRequest(prompt.promptId(), first,
                    prompt.renderedPrompt(), seed, count, referenceUrls));
            Generation g = attempted.generation();
            long latencyMs = (System.nanoTime() - start) / 1_000_000;
            // Paid for: count the cost before anything else can go wrong.
            guard.recordCost(g.costUsd());
            guard.recordCallOutcome(false);
            // Every image the call returned is kept while variants are missing, even beyond what was asked for.
            int used = Math.min(g.images().size(), pending.size());
            if (g.images().size() > used) {
                log.warn("prompt {}: the model returned {} images, {} were missing; the rest are dropped",
                        prompt.promptId(), g.images().size(), used);
            }
            for (int i = 0; i < used; i++) {
                int variant = pending.get(0);
                ImageSidecar sidecar = new ImageSidecar(prompt.promptId(), variant, prompt.requestHash(), g.model(),
                        g.provider(), g.generationId(), seed, g.costUsd() / used, g.costEstimated(),
                        share(g.promptTokens(), used, i), share(g.completionTokens(), used, i), latencyMs,
                        attempted.attempts(), i, used);
                images.add(store.store(g.images().get(i), sidecar));
                pending.remove(0);
                guard.recordImage(0);
            }
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
            guard.recordCallOutcome(PROVIDER_TROUBLE.contains(e.kind()));
            for (int i = 0; i < count; i++) {
                // The cost of the failed call is carried by the first row only, so that sums stay right.
                failures.add(new PromptOutcome.CallFailure(prompt.promptId(), pending.get(0), e.kind().id(),
                        e.httpStatus(), e.getMessage(), e.attempts(), i == 0 ? e.costUsd() : null, e.flaggedInput(),
                        e.modelSlug()));
                pending.remove(0);
                guard.recordSkip(e.kind().id());
            }
            return true;
        } catch (ModelCallException e) {
            throw new IllegalStateException("unwrapped model failure", e);
        }
    }

    /** The references as URLs to send; when one is unusable every pending variant is skipped (pending cleared). */
    private List<String> referenceUrls(PendingPrompt prompt, List<Integer> pending,
                                       List<PromptOutcome.CallFailure> failures) {
        try {
            return ReferenceLoader.urls(prompt.references());
        } catch (BadReferenceException e) {
            for (int variant : pending) {
                failures.add(new PromptOutcome.CallFailure(prompt.promptId(), variant, FailureKind.BAD_REFERENCE.id(),
                        null, e.getMessage(), 0, null));
                guard.recordSkip(FailureKind.BAD_REFERENCE.id());
            }
            pending.clear();
            return List.of();
        }
    }

    /** Splits a call's token count between its images; the first takes the remainder. */
    private static long share(long total, int parts, int index) {
        return total / parts + (index == 0 ? total % parts : 0);
    }

    private String stopMessage(ModelCallException e) {
        String status = e.httpStatus() == null ? "" : " (HTTP " + e.httpStatus() + ")";
        return switch (e.kind()) {
            case AUTH -> "the provider rejected the API key" + status + ": " + e.getMessage()
                    + ". Set a valid key in the environment, then restart";
            case CREDITS -> "the account is out of credits" + status + ": " + e.getMessage()
                    + ". Add credits or raise the key's limit, then restart";
            case CONFIGURATION -> e.getMessage() + "; then restart";
            case FORBIDDEN -> "the provider refused this key or model" + status + ": " + e.getMessage()
                    + ". Check the key's permissions, guardrails and region (or model.provider-routing), then restart";
            case MAX_TOKENS -> e.getMessage();
            default -> "model '" + modelSpec.name() + "' cannot be used" + status + ": " + e.getMessage()
                    + ". Fix model.name or its options";
        };
    }
}
