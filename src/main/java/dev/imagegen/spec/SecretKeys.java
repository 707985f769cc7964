package dev.imagegen.spec;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rule for what in a job file is a secret, wherever settings are written down (e.g. the {@code --set} overrides
 * a remote run stores in its job parameters): a key with a word such as {@code password}, {@code api-key},
 * {@code token}, {@code secret} or {@code credentials} in it, and any value taken from (or referring to) the
 * environment with {@code ${...}}. Secrets stay in the job file and the environment of each process.
 */
public final class SecretKeys {

    private static final Pattern WORD = Pattern.compile("[-_.\\s]+|(?<=[a-z0-9])(?=[A-Z])");
    private static final List<String> SECRET_WORDS =
            List.of("token", "secret", "secrets", "apikey", "credential", "credentials");

    private SecretKeys() {}

    /** Whether a key path such as {@code source.jdbc.password} or {@code model.api-key} names a secret. */
    public static boolean isSecretKey(String key) {
        String[] words = WORD.split(key.strip());
        for (int i = 0; i < words.length; i++) {
            String w = words[i].toLowerCase(Locale.ROOT);
            String next = i + 1 < words.length ? words[i + 1].toLowerCase(Locale.ROOT) : "";
            if (w.contains("password")
                    || w.contains("passwd")
                    || SECRET_WORDS.contains(w)
                    || (w.equals("api") || w.equals("private") || w.equals("access")) && next.equals("key")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a value refers to the environment ({@code ${VARIABLE}}): its expansion is the environment's. */
    public static boolean refersToEnvironment(String value) {
        return value.contains("${");
    }

    /** A JDBC URL without the parameters that carry a password ({@code password=}, {@code sslpassword=}). */
    public static String jdbcUrlWithoutSecrets(String url) {
        return (url.startsWith("jdbc:") ? "jdbc:" : "") + JdbcSourceSpec.withoutSecrets(url);
    }
}
