package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model.allow-insecure-http} and {@code source.reference-root}. */
class InsecureHttpAndReferenceRootKeysTest {

    @TempDir
    Path dir;

    private final JobSpecLoader loader = new JobSpecLoader(name -> null);

    @BeforeEach
    void prompts() throws Exception {
        Files.writeString(dir.resolve("p.csv"), "id,prompt\n1,a cat\n");
    }

    private JobSpec load(String model) throws Exception {
        return loadWith("{ csv: p.csv }", model);
    }

    private JobSpec loadWith(String source, String model) throws Exception {
        Path f = dir.resolve("job.yml");
        Files.writeString(f, "dataset: d\nsource: " + source + "\n" + model);
        return loader.load(f, List.of());
    }

    @Test
    void plainHttpIsRefusedToAnyHostButThisMachine() throws Exception {
        for (String host :
                List.of("api.example.org", "10.0.0.7", "127.0.0.1.nip.io", "[2001:db8::1]", "localhost.example.org")) {
            assertThatThrownBy(() -> load("model: { base-url: \"http://" + host + "/v1\" }"))
                    .as(host)
                    .isInstanceOf(JobFileException.class)
                    .hasMessageStartingWith("model.base-url: ")
                    .hasMessageContaining("model.allow-insecure-http: true");
        }
        for (String host : List.of("localhost", "LOCALHOST:8080", "127.0.0.1:9", "127.8.9.10", "[::1]:8080")) {
            assertThat(load("model: { base-url: \"http://" + host + "/v1\" }")
                            .model()
                            .baseUrl()
                            .getScheme())
                    .as(host)
                    .isEqualTo("http");
        }
        assertThat(load("model: { base-url: \"https://api.example.org/v1\" }")
                        .model()
                        .baseUrl())
                .hasToString("https://api.example.org/v1");
    }

    @Test
    void allowInsecureHttpLetsAnHttpBaseUrlThrough() throws Exception {
        JobSpec spec = load("model: { base-url: \"http://proxy.corp:8080/v1\", allow-insecure-http: true }");

        assertThat(spec.model().baseUrl()).hasToString("http://proxy.corp:8080/v1");
        assertThatThrownBy(() ->
                        load("model: { base-url: \"http://proxy.corp:8080/v1\", allow-insecure-http: " + "false }"))
                .hasMessageStartingWith("model.base-url: ");
        // The placeholder sends nothing anywhere.
        assertThat(load("model: { provider: placeholder, base-url: \"http://x.org/v1\" }")
                        .model()
                        .isPlaceholder())
                .isTrue();
    }

    @Test
    void theReferenceRootIsTheJobFilesDirectoryUnlessConfigured() throws Exception {
        Files.createDirectories(dir.resolve("refs"));

        assertThat(load("").source().referenceRoot()).isEqualTo(dir);
        assertThat(loadWith("{ csv: p.csv, reference-root: refs }", "").source().referenceRoot())
                .isEqualTo(dir.resolve("refs"));
        assertThat(loadWith("{ csv: p.csv, reference-root: " + dir.resolve("refs") + " }", "")
                        .source()
                        .referenceRoot())
                .isEqualTo(dir.resolve("refs"));
        assertThatThrownBy(() -> loadWith("{ csv: p.csv, reference-root: pictures }", ""))
                .isInstanceOf(JobFileException.class)
                .hasMessageStartingWith("source.reference-root: ")
                .hasMessageContaining("is not a directory");
    }
}
