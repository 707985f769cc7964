package dev.imagegen.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page as the template renders it: figures where the tests and scripts read them, every value escaped. */
class ReportPageTest {

    static final String HOSTILE = "<script>alert('x')</script> a \"quoted\" fox & a <b>bold</b> hen";
    static final ZoneId UTC = ZoneId.of("UTC");

    static RunReport report(List<RunReport.FailureKind> failures, List<RunReport.Bucket> buckets, int pages) {
        Instant start = Instant.parse("2026-12-01T10:00:00Z");
        return new RunReport(
                RunReport.FORMAT_VERSION,
                "products<1>",
                "night-1\"",
                42,
                "COMPLETED",
                start.plusSeconds(120),
                List.of(
                        new RunReport.ExecutionInfo(
                                7, "STOPPED", "STOPPED", "budget <reached>", start, start.plusSeconds(30), 30.04),
                        new RunReport.ExecutionInfo(8, "COMPLETED", "COMPLETED", "", start.plusSeconds(60), null, 2)),
                new RunReport.Counts(207, 3, 202, 200, 2, 5, 1),
                new RunReport.Cost(
                        new BigDecimal("7.57550000"),
                        new BigDecimal("7.575"),
                        new BigDecimal("0.0005"),
                        BigDecimal.ZERO,
                        new BigDecimal("0.03750247"),
                        4,
                        new BigDecimal("0.15"),
                        new BigDecimal("0.04"),
                        1),
                new RunReport.Latency(202, 900L, 12_000L, 15_500L, 20_000L, 31_000L, 2345.6),
                new RunReport.Retries(6, 4, 2),
                new RunReport.Throughput(118.25, 1.7083, 60, buckets),
                failures,
                new RunReport.Gallery(202, 100, pages, 201, 200, 1));
    }

    static List<RunReport.FailureKind> failures() {
        Instant at = Instant.parse("2026-12-01T10:00:31Z");
        return List.of(
                new RunReport.FailureKind(
                        "moderation",
                        2,
                        1,
                        List.of(
                                new RunReport.MessageCount(403, "flagged by moderation: " + HOSTILE, 2),
                                new RunReport.MessageCount(null, "no status", 1)),
                        List.of(
                                new RunReport.FailureExample("p-1", 0, HOSTILE, 403, "flagged", 1, at, false),
                                new RunReport.FailureExample("p-2", 2, "a violent scene", null, null, 3, at, true))),
                new RunReport.FailureKind("transient", 1, 0, List.of(), List.of()));
    }

    static List<RunReport.Bucket> buckets() {
        Instant start = Instant.parse("2026-12-01T10:00:00Z");
        return List.of(
                new RunReport.Bucket(start, 100, 0),
                new RunReport.Bucket(start.plusSeconds(60), 102, 5),
                new RunReport.Bucket(start.plusSeconds(300), 1, 1));
    }

    static List<GalleryItem> tiles() {
        return List.of(
                new GalleryItem(
                        "thumbs/p-1_0.webp",
                        "../../images/p-1_0 a=b`c'.png",
                        HOSTILE,
                        "p-1",
                        0,
                        1024,
                        768,
                        new BigDecimal("0.0375"),
                        900L,
                        "m",
                        false),
                new GalleryItem(null, "../../images/p-2_1.png", "a hen", "p-2", 1, 512, 512, null, null, "m", true));
    }

    private static String render(RunReport r, List<GalleryItem> tiles) {
        return new ReportPage(UTC).render(r, tiles);
    }

    @Test
    void promptsMessagesAndCaptionsAreTextNeverMarkup() {
        String html = render(report(failures(), buckets(), 3), tiles());

        assertThat(html)
                .doesNotContain("<script>alert")
                .doesNotContain("<b>bold</b>")
                .doesNotContain("\"quoted\"")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; a &quot;quoted&quot; fox &amp; a "
                        + "&lt;b&gt;bold&lt;/b&gt; hen")
                .contains("<td class=\"prompt\">&lt;script&gt;")
                .contains("<figcaption title=\"&lt;script&gt;")
                .contains("alt=\"&lt;script&gt;")
                .contains("<title>imagegen · products&lt;1&gt; · run night-1&quot;</title>")
                .contains("budget &lt;reached&gt;");
        // The page's own script and styles are in, whole.
        assertThat(html).containsOnlyOnce("<script>\n").contains("</script>\n</body>\n</html>\n");
    }

    @Test
    void figuresCarryTheirMetricNamesAndExactAmounts() {
        String html = render(report(failures(), buckets(), 3), tiles());

        assertThat(ReportFunctionalTests.metrics(html))
                .hasEntrySatisfying("costTotalUsd", v -> assertThat(v).containsExactly("7.57550000", "$7.5755"))
                .hasEntrySatisfying("costPerImageUsd", v -> assertThat(v).containsExactly("0.03750247", "$0.0375"))
                .hasEntrySatisfying("images", v -> assertThat(v[1]).isEqualTo("202"))
                .hasEntrySatisfying("failures.moderation", v -> assertThat(v[1]).isEqualTo("2"))
                .hasEntrySatisfying("latency.p50", v -> assertThat(v[1]).isEqualTo("900 ms"))
                .hasEntrySatisfying("latency.p90", v -> assertThat(v[1]).isEqualTo("12.0 s"))
                .hasEntrySatisfying("gallery.images", v -> assertThat(v[1]).isEqualTo("202"));
        assertThat(html)
                .contains("<code>403</code> flagged by moderation")
                .contains("<li>no status <span class=\"muted\">×1</span></li>")
                .contains("<td>p-2 v2</td>")
                .contains("<rect class=\"fail\"")
                .contains("<span class=\"missing\">image file missing</span>")
                .contains("p-2 · v1 · 512×512 · adopted")
                .contains("p-1 · v0 · 1024×768 · $0.0375")
                .contains("<nav class=\"pager\">");
    }

    @Test
    void anEmptyRunSaysSo() {
        String html = render(report(List.of(), List.of(), 0), List.of());

        assertThat(html)
                .contains("No failed calls in this run.")
                .contains("Nothing was written in this run.")
                .contains("No images in this run.")
                .contains("<nav class=\"pager\" hidden>")
                .doesNotContain("failure-examples")
                .doesNotContain("<svg");
    }
}
