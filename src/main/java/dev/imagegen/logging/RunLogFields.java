package dev.imagegen.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

/**
 * The run a log line belongs to: {@code dataset}, {@code run_id} and {@code execution_id}, on every line of the JSON
 * log. A thread that runs a partition of a run has them in its MDC ({@link #partitionListener()}: a worker process
 * runs partitions of several runs at once); every other thread of a process that runs one run at a time (the job's
 * own thread, the partition pool, progress and metrics timers, pool housekeeping) gets the process's current run.
 */
public final class RunLogFields {

    public static final String DATASET = "dataset";
    public static final String RUN_ID = "run_id";
    public static final String EXECUTION_ID = "execution_id";
    static final String[] KEYS = {DATASET, RUN_ID, EXECUTION_ID};

    private static volatile Map<String, String> current = Map.of();

    private RunLogFields() {}

    /** The process works on this dataset (a job file is loaded); no run yet. */
    public static void dataset(String dataset) {
        current = Map.of(DATASET, dataset);
    }

    /** The process's run from now on (until the next one). */
    public static void run(JobExecution execution) {
        current = of(execution);
    }

    /** No run any more (tests). */
    static void clear() {
        current = Map.of();
    }

    /** The fields of the process's current run, for threads without their own. */
    static Map<String, String> current() {
        return current;
    }

    static Map<String, String> of(JobExecution execution) {
        Map<String, String> fields = new LinkedHashMap<>();
        String dataset = execution.getJobParameters().getString("dataset");
        String runId = execution.getJobParameters().getString("run.id");
        if (dataset != null) {
            fields.put(DATASET, dataset);
        }
        if (runId != null) {
            fields.put(RUN_ID, runId);
        }
        fields.put(EXECUTION_ID, String.valueOf(execution.getId()));
        return Map.copyOf(fields);
    }

    /** Puts a partition's run into its thread's MDC while the partition runs, and takes it out afterwards. */
    public static StepExecutionListener partitionListener() {
        return new StepExecutionListener() {
            @Override
            public void beforeStep(StepExecution stepExecution) {
                of(stepExecution.getJobExecution()).forEach(MDC::put);
            }

            @Override
            public ExitStatus afterStep(StepExecution stepExecution) {
                for (String key : KEYS) {
                    MDC.remove(key);
                }
                return null;
            }
        };
    }
}
