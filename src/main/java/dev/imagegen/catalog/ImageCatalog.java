package dev.imagegen.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Walks a dataset's images in (prompt id, variant) order, a page at a time with keyset paging: memory stays constant
 * however many images there are, no cursor or transaction is held between pages, and the order is stable, which
 * makes exports reproducible.
 */
public final class ImageCatalog {

    private static final String SELECT = """
            SELECT g.*, p.prompt, p.rendered_prompt, p.attributes::text AS attributes_json,
                   (p.request_hash IS NOT DISTINCT FROM g.request_hash) AS current, r.parameter_value AS run_id
              FROM generated_image g
              LEFT JOIN prompt p ON p.dataset = g.dataset AND p.prompt_id = g.prompt_id
              LEFT JOIN batch_job_execution_params r ON r.job_execution_id = g.job_execution_id
                   AND r.parameter_name = 'run.id'
            """;

    private final JdbcTemplate jdbc;
    private final int pageSize;

    public ImageCatalog(JdbcTemplate jdbc) {
        this(jdbc, 500);
    }

    public ImageCatalog(JdbcTemplate jdbc, int pageSize) {
        this.jdbc = jdbc;
        this.pageSize = pageSize;
    }

    /** Calls {@code each} for every image the filter selects, in (prompt id, variant) order. */
    public void forEach(ImageFilter filter, Consumer<ImageRecord> each) {
        String afterId = null;
        int afterVariant = -1;
        while (true) {
            List<Object> args = new ArrayList<>();
            StringBuilder sql = new StringBuilder(SELECT).append(where(filter, args));
            // The leading column is fixed by the filter; naming it in the row comparison and the order lets
            // PostgreSQL walk an index ((dataset, prompt_id, variant) or (job_instance_id, prompt_id, variant))
            // from the last key instead of sorting the whole selection for every page.
            String lead = filter.jobInstanceId() != null ? "g.job_instance_id" : "g.dataset";
            if (afterId != null) {
                sql.append(" AND (").append(lead).append(", g.prompt_id, g.variant) > (?, ?, ?)");
                args.add(filter.jobInstanceId() != null ? filter.jobInstanceId() : filter.dataset());
                args.add(afterId);
                args.add(afterVariant);
            }
            sql.append(" ORDER BY ")
                    .append(lead)
                    .append(", g.prompt_id, g.variant LIMIT ")
                    .append(pageSize);
            List<ImageRecord> page = jdbc.query(sql.toString(), ImageCatalog::map, args.toArray());
            page.forEach(each);
            if (page.size() < pageSize) {
                return;
            }
            ImageRecord last = page.get(page.size() - 1);
            afterId = last.promptId();
            afterVariant = last.variant();
        }
    }

    public long count(ImageFilter filter) {
        List<Object> args = new ArrayList<>();
        String sql = "SELECT count(*) FROM generated_image g LEFT JOIN prompt p ON p.dataset = g.dataset "
                + "AND p.prompt_id = g.prompt_id " + where(filter, args);
        Long n = jdbc.queryForObject(sql, Long.class, args.toArray());
        return n == null ? 0 : n;
    }

    /** How many images the filter leaves out only because their prompt changed since. */
    public long countStale(ImageFilter filter) {
        ImageFilter all =
                new ImageFilter(filter.dataset(), filter.jobInstanceId(), filter.since(), filter.until(), false);
        return count(all) - count(filter);
    }

    private static String where(ImageFilter f, List<Object> args) {
        StringBuilder w = new StringBuilder(" WHERE g.dataset = ?");
        args.add(f.dataset());
        if (f.jobInstanceId() != null) {
            w.append(" AND g.job_instance_id = ?");
            args.add(f.jobInstanceId());
        }
        if (f.since() != null) {
            w.append(" AND g.created_at >= ?");
            args.add(Timestamp.from(f.since()));
        }
        if (f.until() != null) {
            w.append(" AND g.created_at < ?");
            args.add(Timestamp.from(f.until()));
        }
        if (f.currentOnly()) {
            w.append(" AND p.request_hash = g.request_hash");
        }
        return w.toString();
    }

    private static ImageRecord map(ResultSet rs, int n) throws SQLException {
        return new ImageRecord(
                rs.getString("dataset"),
                rs.getString("prompt_id"),
                rs.getInt("variant"),
                rs.getString("file_path"),
                rs.getString("media_type"),
                rs.getInt("width"),
                rs.getInt("height"),
                rs.getLong("bytes"),
                rs.getString("sha256"),
                rs.getString("request_hash"),
                rs.getString("model"),
                rs.getString("provider"),
                rs.getString("generation_id"),
                (Long) nullable(rs.getLong("seed"), rs),
                rs.getBigDecimal("cost_usd"),
                rs.getBoolean("cost_estimated"),
                (Long) nullable(rs.getLong("latency_ms"), rs),
                rs.getInt("attempts"),
                rs.getBoolean("adopted"),
                rs.getLong("job_execution_id"),
                rs.getLong("job_instance_id"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("prompt"),
                rs.getString("rendered_prompt"),
                rs.getString("attributes_json"),
                rs.getBoolean("current"),
                rs.getString("run_id"));
    }

    private static Object nullable(long value, ResultSet rs) throws SQLException {
        return rs.wasNull() ? null : value;
    }
}
