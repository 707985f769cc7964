package dev.imagegen.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child JVM's environment: what the build's shell holds does not reach it, and it never runs on a default. */
class ImagegenProcessTest {

    @TempDir
    Path dir;

    @Test
    void aChildGetsOnlyWhatAJvmNeedsFromTheShellAndWhatTheTestGives() {
        Map<String, String> shell = Map.of(
                "PATH", "/usr/bin",
                "HOME", "/home/dev",
                "LC_ALL", "C.UTF-8",
                "OPENROUTER_API_KEY", "sk-or-v1-real-key",
                "OPENAI_API_KEY", "sk-real-key",
                "IMAGEGEN_DB_URL", "jdbc:postgresql://production/imagegen",
                "IMAGEGEN_DB_PASSWORD", "production-password",
                "AWS_SECRET_ACCESS_KEY", "aws-secret",
                "SPRING_PROFILES_ACTIVE", "prod");

        Map<String, String> child = ImagegenProcess.environment(shell, Map.of("IMAGEGEN_HOME", "/tmp/h", "K", "v"));

        assertThat(child)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "PATH", "/usr/bin",
                        "HOME", "/home/dev",
                        "LC_ALL", "C.UTF-8",
                        "IMAGEGEN_HOME", "/tmp/h",
                        "K", "v"));
    }

    @Test
    void aChildWithNeitherATestDatabaseNorAHomeIsNotStarted() {
        assertThatThrownBy(() -> ImagegenProcess.in(dir).start("--version"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database(...) or home(...)");
    }
}
