package dev.imagegen.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code source.jdbc}: a PostgreSQL query whose rows are the prompts, on a database that may differ from the job's
 * own. The password is a {@link Secret}; {@link #target()} names the connection without it, for messages.
 */
public record JdbcSourceSpec(String url, String user, Secret password, String query, int fetchSize) {

    /** {@code postgresql://host:5432/catalog as user reader}: the URL without {@code jdbc:} and without secrets. */
    public String target() {
        return withoutSecrets(url) + (user == null || user.isBlank() ? "" : " as user " + user);
    }

    /** Drops URL parameters that carry a password ({@code password=}, {@code sslpassword=}). */
    static String withoutSecrets(String url) {
        String u = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        int q = u.indexOf('?');
        if (q < 0) {
            return u;
        }
        List<String> kept = new ArrayList<>();
        for (String param : u.substring(q + 1).split("&")) {
            String name = param.contains("=") ? param.substring(0, param.indexOf('=')) : param;
            if (!name.toLowerCase(java.util.Locale.ROOT).contains("password") && !param.isEmpty()) {
                kept.add(param);
            }
        }
        return u.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    /** Never the raw URL: it may carry a password parameter. */
    @Override
    public String toString() {
        return "JdbcSourceSpec[" + target() + "]";
    }
}
