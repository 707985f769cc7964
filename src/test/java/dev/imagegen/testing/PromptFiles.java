package dev.imagegen.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CSV files of numbered prompts for tests that need many of them. */
public final class PromptFiles {

    private PromptFiles() {}

    /** Writes {@code id,prompt} with rows {@code id-<i>,<text> <i>} for i from 0 to {@code count - 1}. */
    public static void numbered(Path file, int count, String text) throws IOException {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < count; i++) {
            csv.append("id-")
                    .append(i)
                    .append(',')
                    .append(text)
                    .append(' ')
                    .append(i)
                    .append('\n');
        }
        Files.writeString(file, csv);
    }
}
