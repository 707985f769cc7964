package dev.imagegen.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DbTextTest {

    @Test
    void nulAndLoneSurrogatesAreMadeStorableTheRestIsKept() {
        assertThat(DbText.clean(null)).isNull();
        assertThat(DbText.clean("plain text, é, 漢字")).isEqualTo("plain text, é, 漢字");
        assertThat(DbText.clean("bad\u0000byte")).isEqualTo("bad\\u0000byte");
        assertThat(DbText.clean("\u0000")).isEqualTo("\\u0000");
        assertThat(DbText.clean("pair \uD83D\uDE00 kept")).isEqualTo("pair \uD83D\uDE00 kept");
        assertThat(DbText.clean("lone \uD83D high")).isEqualTo("lone \uFFFD high");
        assertThat(DbText.clean("lone \uDE00 low")).isEqualTo("lone \uFFFD low");
        assertThat(DbText.clean("end \uD83D")).isEqualTo("end \uFFFD");
    }
}
