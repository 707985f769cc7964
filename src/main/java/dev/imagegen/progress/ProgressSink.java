package dev.imagegen.progress;

/** Where progress readings go: a terminal bar or the log. */
interface ProgressSink {

    void update(ProgressFigures figures);

    /** The last reading, when the run's generate step is over or the command ends. */
    void finish(ProgressFigures figures);
}
