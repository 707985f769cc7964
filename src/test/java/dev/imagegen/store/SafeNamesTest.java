package dev.imagegen.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SafeNamesTest {

    @Test
    void keepsPlainIdsAsTheyAre() {
        assertThat(SafeNames.stem("lighthouse-01_b")).isEqualTo("lighthouse-01_b");
    }

    @Test
    void hostileIdsBecomeSafeDistinctNames() {
        List<String> hostile = List.of(
                "../../etc/x",
                "..",
                ".",
                "a/b",
                "a\\b",
                "x\0y",
                "CON",
                "nul",
                "a".repeat(300),
                "é ü",
                "",
                "   ",
                "-rf",
                "a b",
                "a_b");
        Set<String> stems = new HashSet<>();
        for (String id : hostile) {
            String stem = SafeNames.stem(id);
            assertThat(stem).matches("[A-Za-z0-9][A-Za-z0-9_~-]*").hasSizeLessThanOrEqualTo(80);
            assertThat(stem.toLowerCase()).isNotIn("con", "nul", "prn", "aux");
            stems.add(stem);
        }
        assertThat(stems).hasSameSizeAs(hostile);
    }

    @Test
    void shardsSpreadOverTwoHexDigits() {
        assertThat(SafeNames.shard("anything")).matches("[0-9a-f]{2}");
    }
}
