package dev.imagegen.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class Sha256Test {

    @Test
    void theDigestsOfTheStandardsTestVectorsInLowerCaseHex() {
        // FIPS 180-2's examples: the hashes every stored image, request and name suffix already carry.
        assertThat(Sha256.hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Sha256.hex(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void textIsHashedAsItsUtf8Bytes() {
        String text = "café ☕ 猫";
        assertThat(Sha256.hex(text)).isEqualTo(Sha256.hex(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(Sha256.hex(text)).isNotEqualTo(Sha256.hex(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void aDigestFedInPiecesEndsAsTheWholeInputsHex() {
        MessageDigest digest = Sha256.digest();
        digest.update("a".getBytes(StandardCharsets.UTF_8));
        digest.update("bc".getBytes(StandardCharsets.UTF_8));
        assertThat(Sha256.hex(digest)).isEqualTo(Sha256.hex("abc"));
        assertThat(Sha256.digest()).isNotSameAs(Sha256.digest());
    }
}
