package dev.imagegen.report;

import dev.imagegen.catalog.ImageCatalog;
import dev.imagegen.catalog.ImageFilter;
import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.catalog.RunRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the gallery of a run a page at a time: {@code gallery/p00001.js} … each a call
 * {@code imagegenGallery(n, [items])} that the page loads with a script tag (a browser lets a page opened from the
 * file system load scripts, not fetch JSON). Thumbnails of a page are made in parallel; only one page of items is in
 * memory at a time, so 50,000 images cost no more memory than 100.
 */
final class GalleryWriter {

    static final int PAGE_SIZE = 100;
    private static final Pattern PAGE_FILE = Pattern.compile("p(\\d{5})\\.js");

    private final ImageCatalog catalog;
    private final JsonMapper json;
    private final ExecutorService workers;

    GalleryWriter(ImageCatalog catalog, JsonMapper json, ExecutorService workers) {
        this.catalog = catalog;
        this.json = json;
        this.workers = workers;
    }

    /** The gallery's summary and its first page (which the HTML carries inline, so it shows without scripts). */
    record Result(RunReport.Gallery summary, List<GalleryItem> firstPage) {}

    Result write(RunRef run, Path reportDir, Thumbnails thumbnails) throws IOException {
        Path galleryDir = reportDir.resolve("gallery");
        Files.createDirectories(galleryDir);
        PageState state = new PageState(galleryDir, thumbnails);
        catalog.forEach(ImageFilter.ofRun(run), image -> {
            state.pending.add(image);
            if (state.pending.size() == PAGE_SIZE) {
                state.flush();
            }
        });
        state.flush();
        removePagesAfter(galleryDir, state.pages);
        return new Result(
                new RunReport.Gallery(
                        state.images, PAGE_SIZE, state.pages, state.thumbCount, state.made, state.missing),
                state.firstPage == null ? List.of() : state.firstPage);
    }

    static String pageFile(int page) {
        return String.format("p%05d.js", page);
    }

    /** An earlier report of the same run may have had more pages. */
    private static void removePagesAfter(Path galleryDir, int pages) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(galleryDir, "p*.js")) {
            for (Path f : files) {
                var m = PAGE_FILE.matcher(f.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > pages) {
                    Files.delete(f);
                }
            }
        }
    }

    private final class PageState {
        final Path galleryDir;
        final Thumbnails thumbnails;
        final List<ImageRecord> pending = new ArrayList<>(PAGE_SIZE);
        List<GalleryItem> firstPage;
        int pages;
        long images;
        long thumbCount;
        long made;
        long missing;

        PageState(Path galleryDir, Thumbnails thumbnails) {
            this.galleryDir = galleryDir;
            this.thumbnails = thumbnails;
        }

        void flush() {
            if (pending.isEmpty()) {
                return;
            }
            List<Future<Thumbnails.Result>> results = new ArrayList<>(pending.size());
            for (ImageRecord image : pending) {
                results.add(workers.submit(() -> thumbnails.ensure(image)));
            }
            List<GalleryItem> items = new ArrayList<>(pending.size());
            for (int i = 0; i < pending.size(); i++) {
                ImageRecord image = pending.get(i);
                Thumbnails.Result r = await(results.get(i));
                switch (r) {
                    case MADE -> made++;
                    case MISSING -> missing++;
                    default -> {}
                }
                if (r != Thumbnails.Result.MISSING) {
                    thumbCount++;
                }
                items.add(new GalleryItem(
                        r == Thumbnails.Result.MISSING ? null : Thumbnails.relativePath(image),
                        "../../" + image.filePath(),
                        image.renderedPrompt() != null ? image.renderedPrompt() : image.prompt(),
                        image.promptId(),
                        image.variant(),
                        image.width(),
                        image.height(),
                        image.costUsd(),
                        image.latencyMs(),
                        image.model(),
                        image.adopted()));
            }
            pages++;
            images += pending.size();
            if (firstPage == null) {
                firstPage = items;
            }
            writePage(pages, items);
            pending.clear();
        }

        private void writePage(int page, List<GalleryItem> items) {
            Path file = galleryDir.resolve(pageFile(page));
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write("imagegenGallery(" + page + ", ");
                w.write(json.writeValueAsString(items));
                w.write(");\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Thumbnails.Result await(Future<Thumbnails.Result> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while making thumbnails", e);
            } catch (ExecutionException e) {
                return Thumbnails.Result.MISSING;
            }
        }
    }
}
