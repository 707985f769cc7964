package dev.imagegen.db;

/**
 * Text from outside (a provider's message, model, provider name, generation id) made storable: PostgreSQL refuses
 * NUL in {@code text} (and the driver cannot send an unpaired surrogate), and one such character would fail the
 * chunk's insert — rolling back images already paid for — on every restart. NUL becomes the six characters
 * {@code \u0000}; an unpaired surrogate becomes U+FFFD. Everything else is kept as it came.
 */
public final class DbText {

    private DbText() {}

    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        int n = s.length();
        while (i < n && ok(s, i)) {
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n + 8).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                out.append("\\u0000");
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether the character at {@code i} is fine as it is (a surrogate pair counts at its high half). */
    private static boolean ok(String s, int i) {
        char c = s.charAt(i);
        if (c == '\0') {
            return false;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        }
        return true;
    }
}
