package dev.imagegen.store;

import dev.imagegen.support.Sha256;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns any prompt id into a file name stem that cannot leave its directory: only {@code [A-Za-z0-9_-]} and inner
 * dots survive, at most 80 characters, never a Windows reserved name; when anything had to change, a hash of the
 * original id is appended so that two ids never share a name.
 */
public final class SafeNames {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,79}");
    private static final Set<String> RESERVED = Set.of(
            "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1",
            "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private SafeNames() {}

    public static String stem(String id) {
        if (SAFE.matcher(id).matches() && !RESERVED.contains(id.toLowerCase(Locale.ROOT))) {
            return id;
        }
        String cleaned =
                id.replaceAll("[^A-Za-z0-9_-]+", "_").replaceAll("_+", "_").replaceAll("^[_-]+", "");
        if (cleaned.length() > 60) {
            cleaned = cleaned.substring(0, 60);
        }
        return (cleaned.isEmpty() ? "id" : cleaned) + "~" + Sha256.hex(id).substring(0, 12);
    }

    /** Two hex digits from the id's hash: 256 directories keep each one to a few thousand files per million. */
    public static String shard(String id) {
        return Sha256.hex(id).substring(0, 2);
    }
}
