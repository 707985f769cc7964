package dev.imagegen.catalog;

/** The job parameter by which {@code rerun-failed} limits a run to prompts whose last attempt failed. */
public final class RerunSelection {

    /** Job parameter: {@link #ALL_KINDS} or a comma-separated list of failure kinds. */
    public static final String PARAMETER = "rerun.kinds";

    public static final String ALL_KINDS = "all";

    private RerunSelection() {}
}
