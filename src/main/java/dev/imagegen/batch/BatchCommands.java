package dev.imagegen.batch;

import dev.imagegen.model.ModelCallException;
import dev.imagegen.model.ModelHttp;
import dev.imagegen.spec.JobSpec;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What {@code imagegen status} shows of a dataset's batches, and {@code imagegen cancel}. */
public final class BatchCommands {

    private BatchCommands() {}

    /** The dataset's recent batches (all datasets' when null): state and request counts; empty when there are none. */
    public static String status(JdbcTemplate jdbc, String dataset) {
        if (!hasTable(jdbc)) {
            return "";
        }
        List<BatchRow> rows = new Batches(jdbc, null).recent(dataset, 20);
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("\nOpenAI batches (openai-batch):\n");
        out.append(String.format(
                "  %-10s %-5s %-32s %-24s %-11s %9s %9s %7s  %s%n",
                "dataset", "part", "batch", "endpoint", "status", "requests", "completed", "failed", "results"));
        for (BatchRow b : rows) {
            out.append(String.format(
                    "  %-10s %-5d %-32s %-24s %-11s %9d %9d %7d  %s%n",
                    b.dataset(),
                    b.part(),
                    b.batchId() == null ? "(being submitted)" : b.batchId(),
                    b.endpoint(),
                    b.status(),
                    b.requests(),
                    b.completed(),
                    b.failed(),
                    b.collected() ? "collected" : b.isTerminal() ? "to collect (next run or restart)" : "waiting"));
        }
        return out.toString();
    }

    /**
     * Cancels the dataset's batches that are still running ({@code POST /batches/{id}/cancel}); what they completed
     * is collected by the next run or restart, the rest stays pending.
     *
     * @return one line per batch
     */
    public static List<String> cancel(JdbcTemplate jdbc, JobSpec spec) throws InterruptedException {
        JsonMapper json = JsonMapper.builder().build();
        Batches batches = new Batches(jdbc, null);
        OpenAiBatchApi api = new OpenAiBatchApi(spec.model(), spec.run().retry(), ModelHttp.newClient(), json);
        List<String> out = new java.util.ArrayList<>();
        for (BatchRow b : batches.open(spec.dataset())) {
            if (!b.created() || b.isTerminal()) {
                continue;
            }
            try {
                JsonNode batch = api.cancel(b.batchId());
                batches.update(b.id(), batch);
                out.add(b.batchId() + ": " + batch.path("status").asString());
            } catch (ModelCallException e) {
                out.add(b.batchId() + ": not cancelled (" + e.kind().id() + "): " + e.getMessage());
            }
        }
        return out;
    }

    private static boolean hasTable(JdbcTemplate jdbc) {
        Integer n =
                jdbc.queryForObject("SELECT count(*) FROM pg_tables WHERE tablename = 'openai_batch'", Integer.class);
        return n != null && n > 0;
    }
}
