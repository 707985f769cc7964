package dev.imagegen.check;

import dev.imagegen.ExitCode;
import dev.imagegen.spec.JobSpec;
import dev.imagegen.spec.ModelSpec;
import java.io.PrintStream;
import java.util.List;

/**
 * What the capability check found, and what it learnt: {@code imagesPerCall} is how many images one call may ask
 * for with this model (less than the job file's when the model takes no or a smaller {@code n}); for chat,
 * {@code modalities} (["image"] for a model that outputs no text) and {@code tokenField} (the token bound's field
 * the model lists), null when nothing was learnt; {@code facts} what the provider said about money (the key's limit,
 * the catalogue price), for the plan.
 */
public record CheckReport(
        String target,
        List<Finding> findings,
        int imagesPerCall,
        List<String> modalities,
        String tokenField,
        ProviderFacts facts) {

    public CheckReport {
        findings = List.copyOf(findings);
        modalities = modalities == null ? null : List.copyOf(modalities);
        facts = facts == null ? ProviderFacts.NONE : facts;
    }

    public CheckReport(
            String target, List<Finding> findings, int imagesPerCall, List<String> modalities, String tokenField) {
        this(target, findings, imagesPerCall, modalities, tokenField, ProviderFacts.NONE);
    }

    public CheckReport(String target, List<Finding> findings, int imagesPerCall) {
        this(target, findings, imagesPerCall, null, null);
    }

    /** 2 for a job-file problem, 3 for a refused key or used-up credit, 1 when the provider could not be asked. */
    public int exitCode() {
        if (has(Finding.Severity.CONFIG)) {
            return ExitCode.USAGE;
        }
        if (has(Finding.Severity.KEY)) {
            return ExitCode.STOPPED;
        }
        return has(Finding.Severity.UNREACHABLE) ? ExitCode.FAILED : ExitCode.COMPLETED;
    }

    /** A run does not start on a job-file or key problem; an unreachable provider is left to the run's retries. */
    public boolean blocksRun() {
        return has(Finding.Severity.CONFIG) || has(Finding.Severity.KEY);
    }

    /**
     * The job with what the check learnt applied: fewer images per call when the model takes fewer; the chat
     * modalities and token field the catalogue calls for, where the job file left them out.
     */
    public JobSpec applyTo(JobSpec spec) {
        ModelSpec model = spec.model();
        if (imagesPerCall < model.imagesPerCall()) {
            model = model.withImagesPerCall(imagesPerCall);
        }
        if (modalities != null && model.modalities().isEmpty()
                || tokenField != null && model.maxTokensParameter() == null) {
            model = model.withChatFields(
                    model.modalities().isEmpty() && modalities != null ? modalities : model.modalities(),
                    model.maxTokensParameter() == null ? tokenField : model.maxTokensParameter());
        }
        return model == spec.model() ? spec : spec.withModel(model);
    }

    public boolean has(Finding.Severity severity) {
        return findings.stream().anyMatch(f -> f.severity() == severity);
    }

    /** Every finding, one per line, and the result. */
    public void print(PrintStream out) {
        out.println("check: " + target);
        for (Finding f : findings) {
            out.printf("  %-5s  %s: %s%n", f.severity().label(), f.subject(), f.message());
        }
        long problems = findings.stream()
                .filter(f -> f.severity().compareTo(Finding.Severity.WARN) > 0)
                .count();
        out.println(
                problems == 0
                        ? "result: ready (exit 0)"
                        : "result: " + problems + (problems == 1 ? " problem" : " problems") + " (exit " + exitCode()
                                + ")");
    }

    /** Only the warnings and problems, for the start of a run. */
    public void printProblems(PrintStream out) {
        for (Finding f : findings) {
            if (f.severity() != Finding.Severity.OK) {
                out.println("imagegen: check " + f.severity().label() + ": " + f.subject() + ": " + f.message());
            }
        }
    }
}
