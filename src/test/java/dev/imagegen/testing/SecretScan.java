package dev.imagegen.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Looks for a text in every row of every table of a database (as text, and hex-encoded for {@code bytea} columns such
 * as Java-serialized messages), to prove that a secret was stored nowhere.
 */
public final class SecretScan {

    private SecretScan() {}

    /** The tables (schema.table) with a row that contains {@code secret}. */
    public static List<String> tablesContaining(JdbcTemplate jdbc, String secret) {
        String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
        List<String> found = new ArrayList<>();
        for (String table : jdbc.queryForList("""
                SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
                 WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')""", String.class)) {
            Integer n = jdbc.queryForObject(
                    "SELECT count(*) FROM " + table + " t WHERE strpos(t::text, ?) > 0 " + "OR strpos(t::text, ?) > 0",
                    Integer.class,
                    secret,
                    hex);
            if (n != null && n > 0) {
                found.add(table);
            }
        }
        return found;
    }
}
