package dev.imagegen.generate;

import dev.imagegen.ledger.CallAttempt;
import dev.imagegen.ledger.CostBasis;
import dev.imagegen.ledger.Ledger;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import dev.imagegen.limits.StopSignal;
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
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>Over 250 lines because one prompt's path (adopt, reserve, call, store, account, stop) is kept in one place, in
 * the order the money and the fences are checked, so that it reads top to bottom.
 */
class ImageGenerationProcessor implements ItemProcessor<PendingPrompt, PromptOutcome> {

    private static final Logger log = LoggerFactory.getLogger(ImageGenerationProcessor.class);
    /** Failures that say more about the provider than about the prompt: they feed the circuit breaker. */
    private static final Set<FailureKind> PROVIDER_TROUBLE = EnumSet.of(
            FailureKind.TRANSIENT, FailureKind.RATE_LIMITED, FailureKind.NO_IMAGE, FailureKind.INVALID_IMAGE);

    private final RetryingImageModel model;
    private final ModelSpec modelSpec;
    private final ImageStore store;
    private final RunGuard guard;
    private final StepExecution stepExecution;
    private final CallRecorder recorder;

    ImageGenerationProcessor(
            RetryingImageModel model,
            ModelSpec modelSpec,
            ImageStore store,
            RunGuard guard,
            StepExecution stepExecution,
            CallRecorder recorder) {
        this.recorder = recorder;
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
        List<Ledger.Entry> calls = new ArrayList<>();
        boolean deferred = false;
        try {
            List<Integer> pending = adoptFromDisk(prompt, images, calls);
            List<String> referenceUrls = pending.isEmpty() ? List.of() : referenceUrls(prompt, pending, failures);
            while (!pending.isEmpty() && !deferred) {
                int wanted = Math.min(pending.size(), Math.max(1, model.maxImagesPerCall()));
                // max-images reserves what the call may return before it is sent: min(n, what is left).
                int count = guard.mayCall(wanted);
                if (count == 0) {
                    deferred = true;
                    break;
                }
                int[] reserved = {count};
                try {
                    deferred = !generate(prompt, pending, count, reserved, referenceUrls, images, failures, calls);
                } finally {
                    guard.callFinished(reserved[0]);
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
        } catch (RunFence.Lost e) {
            guard.stop(e.getMessage());
            deferred = true;
        }
        if (deferred) {
            // Leave this partition STOPPED (restartable) at the end of the chunk; what is done so far is written.
            stepExecution.setTerminateOnly();
        }
        return new PromptOutcome(prompt.promptId(), images, failures, calls, deferred);
    }

    /**
     * @return the variants still missing after adopting those already on disk, in ascending order. An adopted image
     *         was paid for by a call whose ledger row died with the crash that kept its own row from being written:
     *         it gets an {@code adopted} row with the cost its sidecar recorded, in the same transaction as its image
     *         row, so it is on the books exactly once (and counts against the run's budget).
     */
    private List<Integer> adoptFromDisk(PendingPrompt prompt, List<StoredImage> images, List<Ledger.Entry> calls)
            throws IOException {
        List<Integer> pending = new ArrayList<>();
        for (int variant = 0; variant < modelSpec.imagesPerPrompt(); variant++) {
            if (prompt.doneVariants().contains(variant)) {
                continue;
            }
            Optional<StoredImage> onDisk = store.adopt(prompt.promptId(), variant, prompt.requestHash());
            if (onDisk.isPresent()) {
                images.add(onDisk.get());
                ImageSidecar s = onDisk.get().sidecar();
                CallAttempt adopted = new CallAttempt(
                        1,
                        CallAttempt.ADOPTED,
                        null,
                        s.costUsd(),
                        s.costEstimated() ? CostBasis.ESTIMATED : CostBasis.KNOWN,
                        s.generationId(),
                        s.model(),
                        s.provider(),
                        s.latencyMs(),
                        s.promptTokens(),
                        s.completionTokens(),
                        1,
                        1,
                        false);
                calls.add(new Ledger.Entry(prompt.promptId(), variant, adopted));
                guard.recordAttempt(adopted);
                guard.recordImage(0);
            } else {
                pending.add(variant);
            }
        }
        return pending;
    }

    /**
     * One call for {@code count} of the pending variants; the valid images it returns are stored and removed from
     * {@code pending}, a failure is recorded for every variant it asked for and did not get a valid image for (a
     * variant it returned nothing for stays pending for the next call). Every attempt goes to {@code calls}.
     *
     * @param reserved what max-images reserved for this call; raised when more images than asked are kept
     * @return false when the run must stop (nothing recorded for these variants, so they stay pending)
     */
    private boolean generate(
            PendingPrompt prompt,
            List<Integer> pending,
            int count,
            int[] reserved,
            List<String> referenceUrls,
            List<StoredImage> images,
            List<PromptOutcome.CallFailure> failures,
            List<Ledger.Entry> calls)
            throws IOException, InterruptedException {
        int first = pending.get(0);
        Long seed = RequestHash.seedFor(modelSpec, first);
        long start = System.nanoTime();
        List<CallAttempt> attempts = new ArrayList<>();
        List<PromptOutcome.CallFailure> callFailures = new ArrayList<>();
        int stored = 0;
        try {
            RetryingImageModel.Attempted attempted = model.generate(
                    new ImageRequest(prompt.promptId(), first, prompt.renderedPrompt(), seed, count, referenceUrls),
                    attempts);
            Generation g = attempted.generation();
            long latencyMs = (System.nanoTime() - start) / 1_000_000;
            guard.recordCallOutcome(false);
            // Every valid image the call returned is kept while variants are missing (it is paid for), within
            // max-images.
            int used = Math.min(g.images().size(), pending.size());
            if (used > count) {
                int more = guard.mayKeepMore(used - count);
                reserved[0] += more;
                used = count + more;
            }
            if (g.images().size() > used) {
                log.warn(
                        "prompt {}: the model returned {} images, {} were kept (missing variants, run.max-images); "
                                + "the rest are dropped",
                        prompt.promptId(),
                        g.images().size(),
                        used);
            }
            // The call's cost is shared by every image it returned, valid or not, so that the image rows and the
            // failure rows of one call add up to its ledger row.
            int returned =
                    Math.max(1, Math.min(g.returned(), used + g.rejected().size()));
            double share = g.costUsd() / returned;
            for (int i = 0; i < used; i++) {
                int variant = pending.get(0);
                ImageSidecar sidecar = new ImageSidecar(
                        prompt.promptId(),
                        variant,
                        prompt.requestHash(),
                        g.model(),
                        g.provider(),
                        g.generationId(),
                        seed,
                        share,
                        g.costEstimated(),
                        share(g.promptTokens(), used, i),
                        share(g.completionTokens(), used, i),
                        latencyMs,
                        attempted.attempts(),
                        i,
                        used);
                images.add(store.store(g.images().get(i), sidecar));
                stored++;
                pending.remove(0);
                // counted and released in one step (see Budget.reservedImageStored)
                guard.reservedImageStored();
                reserved[0]--;
            }
            for (String why : g.rejected()) {
                if (pending.isEmpty()) {
                    break;
                }
                // Only the bad variant is a failure: the valid images of the same answer are kept above.
                callFailures.add(new PromptOutcome.CallFailure(
                        prompt.promptId(),
                        pending.remove(0),
                        FailureKind.INVALID_IMAGE.id(),
                        200,
                        why,
                        attempted.attempts(),
                        share));
                guard.recordSkip(FailureKind.INVALID_IMAGE.id());
            }
            return true;
        } catch (RetryingImageModel.Stopped e) {
            return false; // the attempts made so far are still written (below)
        } catch (RetryingImageModel.AttemptsExhausted e) {
            if (e.kind().action() == FailureKind.Action.STOP) {
                // Not a skip: the prompt stays pending and the restart sends it again.
                guard.stopFor(causeOf(e.kind()), stopMessage(e));
                return false;
            }
            guard.recordCallOutcome(PROVIDER_TROUBLE.contains(e.kind()));
            double callCost =
                    attempts.stream().mapToDouble(CallAttempt::costUsd).sum();
            for (int i = 0; i < count; i++) {
                // The cost of the failed call (all its attempts) is carried by the first row only, so sums stay right.
                callFailures.add(new PromptOutcome.CallFailure(
                        prompt.promptId(),
                        pending.get(0),
                        e.kind().id(),
                        e.httpStatus(),
                        e.getMessage(),
                        e.attempts(),
                        i == 0 && callCost > 0 ? callCost : null,
                        e.flaggedInput(),
                        e.modelSlug()));
                pending.remove(0);
                guard.recordSkip(e.kind().id());
            }
            return true;
        } catch (ModelCallException e) {
            throw new IllegalStateException("unwrapped model failure", e);
        } finally {
            // Whatever happened, every attempt made goes on the books (the successful one with what it stored).
            List<Ledger.Entry> withImage = new ArrayList<>();
            List<Ledger.Entry> withoutImage = new ArrayList<>();
            for (CallAttempt a : attempts) {
                if (a.succeeded() && stored > 0) {
                    withImage.add(new Ledger.Entry(prompt.promptId(), first, a.withImagesStored(stored)));
                } else {
                    withoutImage.add(new Ledger.Entry(prompt.promptId(), first, a));
                }
            }
            // What brought no image is committed now (a kill before the chunk's commit would lose it, and the
            // prompt would be paid for again); what brought images commits with them at the end of the chunk.
            List<PromptOutcome.CallFailure> now = stored > 0 ? List.of() : callFailures;
            if (!recorder.record(withoutImage, now)) {
                calls.addAll(withoutImage);
                failures.addAll(now);
            }
            calls.addAll(withImage);
            if (stored > 0) {
                failures.addAll(callFailures);
            }
        }
    }

    private static StopSignal.Cause causeOf(FailureKind kind) {
        return switch (kind) {
            case AUTH, FORBIDDEN -> StopSignal.Cause.AUTH;
            case CREDITS -> StopSignal.Cause.CREDITS;
            default -> StopSignal.Cause.OTHER;
        };
    }

    /** The references as URLs to send; when one is unusable every pending variant is skipped (pending cleared). */
    private List<String> referenceUrls(
            PendingPrompt prompt, List<Integer> pending, List<PromptOutcome.CallFailure> failures) {
        try {
            return ReferenceLoader.urls(prompt.references());
        } catch (BadReferenceException e) {
            for (int variant : pending) {
                failures.add(new PromptOutcome.CallFailure(
                        prompt.promptId(), variant, FailureKind.BAD_REFERENCE.id(), null, e.getMessage(), 0, null));
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
            case AUTH ->
                "the provider rejected the API key" + status + ": " + e.getMessage()
                        + ". Set a valid key in the environment, then restart";
            case CREDITS ->
                "the account is out of credits" + status + ": " + e.getMessage()
                        + ". Add credits or raise the key's limit, then restart";
            case CONFIGURATION -> e.getMessage() + "; then restart";
            case FORBIDDEN ->
                "the provider refused this key or model" + status + ": " + e.getMessage()
                        + ". Check the key's permissions, guardrails and region (or model.provider-routing), then restart";
            case MAX_TOKENS -> e.getMessage();
            default ->
                "model '" + modelSpec.name() + "' cannot be used" + status + ": " + e.getMessage()
                        + ". Fix model.name or its options";
        };
    }
}
