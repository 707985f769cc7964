package dev.imagegen.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class CausesTest {

    @Test
    void theRootIsTheLastCauseOfTheChain() {
        ConnectException bottom = new ConnectException("Connection refused");
        RuntimeException top =
                new IllegalStateException("start failed", new UncheckedIOException(new IOException("io", bottom)));
        assertThat(Causes.root(top)).isSameAs(bottom);
        assertThat(Causes.rootMessage(top)).isEqualTo("Connection refused");
    }

    @Test
    void anExceptionWithoutACauseIsItsOwnRoot() {
        RuntimeException alone = new RuntimeException("alone");
        assertThat(Causes.root(alone)).isSameAs(alone);
        assertThat(Causes.rootMessage(alone)).isEqualTo("alone");
    }

    @Test
    void aRootWithoutAMessageIsNamedByItsClass() {
        assertThat(Causes.rootMessage(new RuntimeException("top", new NullPointerException())))
                .isEqualTo("NullPointerException");
    }

    @Test
    void aChainThatLoopsBackStillEnds() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b); // a -> b -> a -> ...
        assertThat(Causes.root(a)).isIn(a, b);
    }
}
