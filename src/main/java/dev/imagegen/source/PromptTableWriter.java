package dev.imagegen.source;

import dev.imagegen.spec.JobSpec;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Upserts staged prompts into {@code prompt} and records rejections in {@code source_reject}, in the chunk's
 * transaction (together with the reader's position, so staging is exactly-once across restarts). Within one run the
 * first row with an id wins; later rows with the same id are recorded as duplicates.
 *
 * <p>A chunk goes to the server as one statement: its columns as arrays, unnested into rows, so thousands of rows
 * cost one round trip and one plan. The statement returns the ids it wrote; an id it did not write was already
 * staged by this run (an earlier chunk), so that row is a duplicate.
 */
class PromptTableWriter implements ItemWriter<StagedRow> {

    private static final String UPSERT = """
            INSERT INTO prompt (dataset, prompt_id, prompt, rendered_prompt, attributes, request_hash, bucket,
                                source_line, staged_instance_id, reference_images)
            SELECT ?, r.prompt_id, r.prompt, r.rendered_prompt, r.attributes::jsonb, r.request_hash, r.bucket,
                   r.source_line, ?, r.reference_images::jsonb
              FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[], ?::text[])
                   AS r (prompt_id, prompt, rendered_prompt, attributes, request_hash, bucket, source_line,
                         reference_images)
            ON CONFLICT (dataset, prompt_id) DO UPDATE
               SET prompt = EXCLUDED.prompt, rendered_prompt = EXCLUDED.rendered_prompt,
                   attributes = EXCLUDED.attributes, request_hash = EXCLUDED.request_hash,
                   reference_images = EXCLUDED.reference_images,
                   source_line = EXCLUDED.source_line, staged_instance_id = EXCLUDED.staged_instance_id,
                   updated_at = now()
             WHERE prompt.staged_instance_id <> EXCLUDED.staged_instance_id
            RETURNING prompt_id
            """;
    private static final String REJECT = """
            INSERT INTO source_reject (dataset, source, line, prompt_id, reason, content, job_execution_id,
                                       job_instance_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """;
    private static final String DUPLICATE =
            "duplicate id: an earlier row of this source has the same id (the first " + "one is used)";
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
        Map<String, StagedRow.Prompt> prompts = new LinkedHashMap<>();
        List<StagedRow.Reject> rejects = new ArrayList<>();
        for (StagedRow row : chunk) {
            if (row instanceof StagedRow.Prompt p) {
                if (prompts.putIfAbsent(p.promptId(), p) != null) {
                    rejects.add(duplicate(p));
                }
            } else {
                rejects.add((StagedRow.Reject) row);
            }
        }
        if (!prompts.isEmpty()) {
            Set<String> written = upsert(new ArrayList<>(prompts.values()));
            for (StagedRow.Prompt p : prompts.values()) {
                if (!written.contains(p.promptId())) {
                    rejects.add(duplicate(p));
                }
            }
        }
        if (!rejects.isEmpty()) {
            rejects.sort(java.util.Comparator.comparingLong(StagedRow.Reject::line));
            String source = spec.source().name();
            jdbc.batchUpdate(REJECT, rejects, rejects.size(), (ps, r) -> {
                ps.setString(1, spec.dataset());
                ps.setString(2, source);
                ps.setLong(3, r.line());
                ps.setString(4, storable(r.promptId()));
                ps.setString(5, storable(r.reason()));
                ps.setString(
                        6,
                        r.content() == null
                                ? null
                                : storable(
                                        r.content().length() > MAX_CONTENT
                                                ? r.content().substring(0, MAX_CONTENT)
                                                : r.content()));
                ps.setLong(7, executionId);
                ps.setLong(8, instanceId);
            });
        }
    }

    private Set<String> upsert(List<StagedRow.Prompt> prompts) {
        int n = prompts.size();
        String[] ids = new String[n];
        String[] texts = new String[n];
        String[] rendered = new String[n];
        String[] attributes = new String[n];
        String[] hashes = new String[n];
        Integer[] buckets = new Integer[n];
        Long[] lines = new Long[n];
        String[] references = new String[n];
        for (int i = 0; i < n; i++) {
            StagedRow.Prompt p = prompts.get(i);
            ids[i] = p.promptId();
            texts[i] = p.prompt();
            rendered[i] = p.renderedPrompt();
            attributes[i] = json.writeValueAsString(p.attributes());
            hashes[i] = p.requestHash();
            buckets[i] = p.bucket();
            lines[i] = p.line();
            references[i] = json.writeValueAsString(p.references());
        }
        Set<String> written = new HashSet<>(n * 2);
        jdbc.query(
                con -> {
                    PreparedStatement ps = con.prepareStatement(UPSERT);
                    ps.setString(1, spec.dataset());
                    ps.setLong(2, instanceId);
                    ps.setArray(3, con.createArrayOf("text", ids));
                    ps.setArray(4, con.createArrayOf("text", texts));
                    ps.setArray(5, con.createArrayOf("text", rendered));
                    ps.setArray(6, con.createArrayOf("text", attributes));
                    ps.setArray(7, con.createArrayOf("text", hashes));
                    ps.setArray(8, con.createArrayOf("int4", buckets));
                    ps.setArray(9, con.createArrayOf("int8", lines));
                    ps.setArray(10, con.createArrayOf("text", references));
                    return ps;
                },
                rs -> {
                    written.add(rs.getString(1));
                });
        return written;
    }

    /** PostgreSQL text cannot hold NUL; a rejected row is kept readable rather than failing the chunk. */
    private static String storable(String s) {
        return s == null ? null : s.replace('\u0000', '\uFFFD');
    }

    private static StagedRow.Reject duplicate(StagedRow.Prompt p) {
        return new StagedRow.Reject(p.line(), p.promptId(), DUPLICATE, p.prompt());
    }
}
