package dev.imagegen.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs {@link FakeOpenRouter} as a process for scripts (e.g. scripts/check-report-in-chromium.sh): writes its base
 * URL to the file named by the first argument and serves until standard input closes or the process is killed.
 * Prompt markers ({@code [moderation]}, {@code [flaky]}, ...) pick failure modes as in the tests.
 */
public final class FakeOpenRouterMain {

    private FakeOpenRouterMain() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeOpenRouter server = new FakeOpenRouter().conformance(false)) {
            server.imageBytes(48 * 1024).costPerImage(0.0375);
            Path urlFile = Path.of(args[0]);
            Path tmp = urlFile.resolveSibling(urlFile.getFileName() + ".tmp");
            Files.writeString(tmp, server.baseUrl() + "\n");
            Files.move(tmp, urlFile);
            while (System.in.read() >= 0) {
                // serve until stdin closes
            }
        }
    }
}
