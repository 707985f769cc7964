package dev.imagegen.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.store.ImageStore;
import dev.imagegen.testing.TestPng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceResolverTest {

    @TempDir
    Path dir;

    @Test
    void resolvesFilesRelativeToTheJobFileAndUrlsInOrder() throws Exception {
        byte[] png = TestPng.build(8, 8, "a", new Random(1));
        Files.createDirectories(dir.resolve("refs"));
        Files.write(dir.resolve("refs/a.png"), png);

        List<ReferenceImage> refs =
                new ReferenceResolver(dir, ";").resolve(" refs/a.png ; https://example.com/x.jpg ;; ");

        assertThat(refs).hasSize(2);
        assertThat(refs.get(0))
                .isEqualTo(new ReferenceImage(
                        "refs/a.png",
                        dir.resolve("refs/a.png").toString(),
                        false,
                        ImageStore.sha256(png),
                        "image/png",
                        png.length));
        assertThat(refs.get(1).remote()).isTrue();
        assertThat(refs.get(1).sha256()).isEqualTo(ImageStore.sha256("https://example.com/x.jpg".getBytes()));
        assertThat(new ReferenceResolver(dir, "|").resolve("  ")).isEmpty();
    }

    @Test
    void aFileIsReadOncePerModificationTimeAndSize() throws Exception {
        Path file = dir.resolve("a.png");
        byte[] first = TestPng.build(8, 8, "first", new Random(1));
        byte[] same = TestPng.build(8, 8, "other", new Random(2)); // same length, other bytes
        assertThat(same).hasSameSizeAs(first);
        Files.write(file, first);
        FileTime t = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(file, t);
        ReferenceResolver resolver = new ReferenceResolver(dir, "|");
        String hash = resolver.resolve("a.png").get(0).sha256();

        // Same time and size: the cached hash stands (the file is not read again)...
        Files.write(file, same);
        Files.setLastModifiedTime(file, t);
        assertThat(resolver.resolve("a.png").get(0).sha256()).isEqualTo(hash);
        // ...a new time is a new read.
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_001_000L));
        assertThat(resolver.resolve("a.png").get(0).sha256()).isEqualTo(ImageStore.sha256(same));
    }

    @Test
    void unusableReferencesAreRefusedWithTheReason() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "hello");
        Files.write(dir.resolve("cut.png"), java.util.Arrays.copyOf(TestPng.of(500, "x"), 100));
        Files.createDirectories(dir.resolve("folder"));
        ReferenceResolver r = new ReferenceResolver(dir, "|");

        assertThatThrownBy(() -> r.resolve("missing.png"))
                .isInstanceOf(BadReferenceException.class)
                .hasMessageContaining("not found")
                .hasMessageContaining(dir.resolve("missing.png").toString());
        assertThatThrownBy(() -> r.resolve("notes.txt")).hasMessageContaining("not a usable image");
        assertThatThrownBy(() -> r.resolve("cut.png")).hasMessageContaining("truncated");
        assertThatThrownBy(() -> r.resolve("folder")).hasMessageContaining("is not a file");
        assertThatThrownBy(() -> r.resolve("https://")).hasMessageContaining("not a valid URL");
        assertThatThrownBy(() -> r.resolve("x|".repeat(17).replace("x", "https://e.com/a.png")))
                .hasMessageContaining("at most 16");
    }

    @Test
    void gifIsAcceptedByItsSignature() throws Exception {
        Files.write(dir.resolve("a.gif"), "GIF89a\u0001\u0000\u0001\u0000".getBytes());
        assertThat(new ReferenceResolver(dir, "|").resolve("a.gif").get(0).mediaType())
                .isEqualTo("image/gif");
    }

    @Test
    void theLoaderSendsFilesAsDataUrlsAndRefusesOneThatChangedSinceStaging() throws Exception {
        byte[] png = TestPng.build(8, 8, "a", new Random(1));
        Files.write(dir.resolve("a.png"), png);
        List<ReferenceImage> refs = new ReferenceResolver(dir, "|").resolve("a.png|https://example.com/b.png");

        assertThat(ReferenceLoader.urls(refs))
                .containsExactly(
                        "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png),
                        "https://example.com/b.png");

        Files.write(dir.resolve("a.png"), TestPng.build(8, 8, "b", new Random(2)));
        assertThatThrownBy(() -> ReferenceLoader.urls(refs))
                .isInstanceOf(BadReferenceException.class)
                .hasMessageContaining("changed after it was staged");
        Files.delete(dir.resolve("a.png"));
        assertThatThrownBy(() -> ReferenceLoader.urls(refs)).hasMessageContaining("not found");
    }

    /**
     * Whatever lies outside the root — a file, nothing, a directory, reached by {@code ..}, an absolute path or a
     * link — gets the same reason (apart from the cell's own text): a reject says nothing about what is there.
     */
    @Test
    void everythingOutsideTheRootGetsOneReasonThatRevealsNothingAboutIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("job"));
        Path outside = Files.createDirectories(dir.resolve("private"));
        Path secret = outside.resolve("secret.png");
        Files.write(secret, TestPng.build(8, 8, "secret", new Random(1)));
        Files.writeString(outside.resolve("notes.txt"), "not an image");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("linked.png"), secret);
        Files.createSymbolicLink(root.resolve("dangling.png"), outside.resolve("nothing.png"));
        ReferenceResolver r = new ReferenceResolver(root, "|");

        List<String> cells = List.of(
                "../private/secret.png",
                "../private/nothing.png",
                "../private/notes.txt",
                "../private",
                secret.toString(),
                outside.resolve("nothing.png").toString(),
                "/etc/passwd",
                "/no/such/dir/x.png",
                "escape/secret.png",
                "escape/nothing.png",
                "linked.png",
                "dangling.png",
                "../../../../../../../../etc/hostname");
        java.util.Set<String> reasons = new java.util.HashSet<>();
        for (String cell : cells) {
            BadReferenceException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    BadReferenceException.class, () -> r.resolve(cell));
            assertThat(e).as(cell).isNotNull();
            reasons.add(e.getMessage().replace("'" + cell + "'", "'CELL'"));
        }
        assertThat(reasons).hasSize(1);
        assertThat(reasons.iterator().next())
                .contains("outside the reference directory")
                .contains("source.reference-root")
                .doesNotContain("private")
                .doesNotContain("not found");
    }

    @Test
    void relativePathsStartAtTheReferenceRootAndMayUseLinksInsideIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("refs"));
        byte[] png = TestPng.build(8, 8, "a", new Random(1));
        Files.createDirectories(root.resolve("cats"));
        Files.write(root.resolve("cats/a.png"), png);
        Files.createSymbolicLink(root.resolve("latest.png"), root.resolve("cats/a.png"));
        ReferenceResolver r = new ReferenceResolver(root, "|");

        assertThat(r.resolve("cats/a.png").get(0).location())
                .isEqualTo(root.resolve("cats/a.png").toString());
        assertThat(r.resolve("cats/../latest.png").get(0).sha256()).isEqualTo(ImageStore.sha256(png));
        assertThat(r.resolve(root.resolve("cats/a.png").toString())).hasSize(1);
        assertThatThrownBy(() -> r.resolve("cats/b.png")).hasMessageContaining("not found");
    }

    @Test
    void aGifOverTheSizeLimitIsRefusedFromItsHeader() throws Exception {
        // 65535 x 65535: 4.3 gigapixels declared in ten bytes.
        Files.write(
                dir.resolve("huge.gif"),
                new byte[] {'G', 'I', 'F', '8', '9', 'a', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0});

        assertThatThrownBy(() -> new ReferenceResolver(dir, "|").resolve("huge.gif"))
                .isInstanceOf(BadReferenceException.class)
                .hasMessageContaining("65535x65535")
                .hasMessageContaining("not decoded");
    }
}
