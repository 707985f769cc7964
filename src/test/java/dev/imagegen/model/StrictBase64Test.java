package dev.imagegen.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StrictBase64} decodes (in place), and refuses, exactly what {@code Base64.getDecoder()} does. */
class StrictBase64Test {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    @Test
    void decodesEveryLengthWithAndWithoutPaddingFromASliceOfALargerArray() {
        Random random = new Random(15);
        for (int n = 0; n <= 70; n++) {
            byte[] data = new byte[n];
            random.nextBytes(data);
            String padded = Base64.getEncoder().encodeToString(data);
            String bare = Base64.getEncoder().withoutPadding().encodeToString(data);
            for (String text : new String[] {padded, bare}) {
                assertThat(decodeInSlice(text)).as("%d bytes as %s", n, text).isEqualTo(data);
            }
        }
        byte[] image = new byte[256 * 1024 + 1];
        random.nextBytes(image);
        assertThat(decodeInSlice(Base64.getEncoder().encodeToString(image))).isEqualTo(image);
    }

    @Test
    void everyByteOutsideTheAlphabetAtEveryPlaceOfAUnitIsRefusedAsTheJdkRefusesIt() {
        String valid = Base64.getEncoder().encodeToString(new byte[30]); // 40 characters: bulk units, then the last
        for (int b = 0; b < 256; b++) {
            if (ALPHABET.indexOf(b) >= 0) {
                continue;
            }
            // the first unit, inside the fast loop, the last unit of the bulk, the last unit (where '=' may be)
            for (int at : new int[] {0, 1, 2, 3, 17, 33, 34, 35, 36, 37, 38, 39}) {
                byte[] text = valid.getBytes(StandardCharsets.US_ASCII);
                text[at] = (byte) b;
                assertSameAsJdk(text);
            }
        }
    }

    @Test
    void paddingAndShortLastUnitsFollowTheJdksRules() {
        for (String text : new String[] {
            "A",
            "AAAAA",
            "A===",
            "AA=",
            "AA=A",
            "AA==A",
            "AAA=A",
            "AA==AAAA",
            "AAAA====",
            "AAA==",
            "AAAAAA=A",
            "====",
            "AB==",
            "ABC=",
            "ABCD",
            "AAAA\n",
            "AAAA AAAA",
            "AA-_",
            "AA\\/",
            "AAAA\r\nAAAA",
            "AAAAAAAAAAAA=AAA"
        }) {
            assertSameAsJdk(text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static void assertSameAsJdk(byte[] text) {
        byte[] expected;
        try {
            expected = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            String shown = new String(text, StandardCharsets.ISO_8859_1);
            assertThatThrownBy(() -> decodeInSlice(shown)).as(shown).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        assertThat(decodeInSlice(new String(text, StandardCharsets.ISO_8859_1))).isEqualTo(expected);
    }

    /**
     * Decodes {@code text} in place from the middle of an array whose other bytes are base64 too: nothing is read or
     * written outside the text's range, and a refused text is left exactly as it was.
     */
    private static byte[] decodeInSlice(String text) {
        byte[] inner = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = new byte[inner.length + 16];
        Arrays.fill(body, (byte) 'A');
        System.arraycopy(inner, 0, body, 8, inner.length);
        byte[] before = body.clone();
        int n;
        try {
            n = StrictBase64.decodeInPlace(body, 8, 8 + inner.length);
        } catch (IllegalArgumentException e) {
            assertThat(body).as("a refused text is left as it was").isEqualTo(before);
            throw e;
        }
        assertThat(Arrays.copyOfRange(body, 0, 8)).isEqualTo(Arrays.copyOfRange(before, 0, 8));
        assertThat(Arrays.copyOfRange(body, 8 + inner.length, body.length))
                .isEqualTo(Arrays.copyOfRange(before, 8 + inner.length, body.length));
        return Arrays.copyOfRange(body, 8, 8 + n);
    }
}
