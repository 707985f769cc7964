package dev.imagegen.source;

import java.util.ArrayList;
import java.util.List;

import dev.imagegen.spec.JobSpec;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Upserts staged prompts into {@code prompt} and records rejections in {@code source_reject}, in the chunk's
 * transaction (together with the reader's position, so staging is exactly-once across restarts). Within one run the
 * first row with an id wins; later rows with the same id are recorded as duplicates.
 */
class PromptTableWriter implements ItemWriter<StagedRow> {

    private static final String UPSERT = """
            INSERT INTO prompt (dataset, prompt_id, prompt, rendered_prompt, attributes, request_hash, bucket,
                                source_line, staged_instance_id, reference_images)
            VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb)
            ON CONFLICT (dataset, prompt_id) DO UPDATE
               SET prompt = EXCLUDED.prompt, rendered_prompt = EXCLUDED.rendered_prompt,
                   attributes = EXCLUDED.attributes, request_hash = EXCLUDED.request_hash,
                   reference_images = EXCLUDED.reference_images,
                   source_line = EXCLUDED.source_line, staged_instance_id = EXCLUDED.staged_instance_id,
                   updated_at = now()
             WHERE prompt.staged_instance_id <> EXCLUDED.staged_instance_id
            """;
    private static final String REJECT = """
            INSERT INTO source_reject (dataset, source, line, prompt_id, reason, content, job_execution_id,
                                       job_instance_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """;
    private static final int MAX_CONTENT = 2000;

    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final JobSpec spec;
    private final long executionId;
    private final long instanceId;

    PromptTableWriter(JdbcTemplate jdbc, JsonMapper json, JobSpec spec, StepExecution stepExecution) {
        this.jdbc = jdbc;
        this.json = json;
        this.spec = spec;
        this.executionId = stepExecution.getJobExecution().getId();
        this.instanceId = stepExecution.getJobExecution().getJobInstance().getId();
    }

    @Override
    public void write(Chunk<? extends StagedRow> chunk) {
        List<StagedRow.Prompt> prompts = new ArrayList<>();
        List<StagedRow.Reject> rejects = new ArrayList<>();
        for (StagedRow row : chunk) {
            if (row instanceof StagedRow.Prompt p) {
                prompts.add(p);
            } else {
                rejects.add((StagedRow.Reject) row);
            }
        }
        if (!prompts.isEmpty()) {
            int[] counts = jdbc.batchUpdate(UPSERT, prompts, prompts.size(), (ps, p) -> {
                ps.setString(1, spec.dataset());
                ps.setString(2, p.promptId());
                ps.setString(3, p.prompt());
                ps.setString(4, p.renderedPrompt());
                ps.setString(5, json.writeValueAsString(p.attributes()));
                ps.setString(6, p.requestHash());
                ps.setInt(7, p.bucket());
                ps.setLong(8, p.line());
                ps.setLong(9, instanceId);
                ps.setString(10, json.writeValueAsString(p.references()));
            })[0];
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 0) {
                    StagedRow.Prompt p = prompts.get(i);
                    rejects.add(new StagedRow.Reject(p.line(), p.promptId(), "duplicate id: an earlier row of this "
                            + "source has the same id (the first one is used)", p.prompt()));
                }
            }
        }
        if (!rejects.isEmpty()) {
            String source = spec.source().csv().getFileName().toString();
            jdbc.batchUpdate(REJECT, rejects, rejects.size(), (ps, r) -> {
                ps.setString(1, spec.dataset());
                ps.setString(2, source);
                ps.setLong(3, r.line());
                ps.setString(4, r.promptId());
                ps.setString(5, r.reason());
                ps.setString(6, r.content() == null ? null
                        : r.content().length() > MAX_CONTENT ? r.content().substring(0, MAX_CONTENT) : r.content());
                ps.setLong(7, executionId);
                ps.setLong(8, instanceId);
            });
        }
    }
}
