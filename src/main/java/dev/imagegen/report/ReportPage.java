package dev.imagegen.report;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * Renders {@code report.html}: one self-contained page (styles and script inline, no network) with the run's
 * figures, failures, latency, throughput chart, executions and the first gallery page; the pager loads the others.
 * The page is the template {@code report.html.mustache} over a {@link ReportView}; JMustache HTML-escapes every
 * value (prompts, provider messages, captions and file names are data, never markup), only the page's own styles
 * and script go in unescaped. Every figure carries {@code data-metric} (and, for money, {@code data-value} with the
 * exact amount), so a test or a script can read the page's numbers back and compare them with {@code summary.json}.
 */
final class ReportPage {

    private static final Mustache.Compiler COMPILER = Mustache.compiler()
            .escapeHTML(true)
            .nullValue("")
            .withLoader(name -> new StringReader(text(name + ".mustache")));
    private static final Template PAGE = compile("report.html.mustache");
    private static final Map<String, String> ASSETS = Map.of("css", text("report.css"), "js", text("report.js"));

    private final ZoneId zone;

    ReportPage(ZoneId zone) {
        this.zone = zone;
    }

    String render(RunReport r, List<GalleryItem> firstPage) {
        StringWriter page = new StringWriter(64 * 1024);
        PAGE.execute(ReportView.of(r, firstPage, zone), ASSETS, page);
        return page.toString();
    }

    private static Template compile(String name) {
        return COMPILER.compile(text(name));
    }

    private static String text(String name) {
        try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
