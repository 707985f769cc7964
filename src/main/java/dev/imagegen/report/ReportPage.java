package dev.imagegen.report;

import static dev.imagegen.report.Html.esc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Renders {@code report.html}: one self-contained page (styles and script inline, no network) with the run's
 * figures, failures, latency, throughput chart, executions and the first gallery page; the pager loads the others.
 * Every figure carries {@code data-metric} (and, for money, {@code data-value} with the exact amount), so a test
 * or a script can read the page's numbers back and compare them with {@code summary.json}.
 */
final class ReportPage {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT);

    private final ZoneId zone;
    private final StringBuilder h = new StringBuilder(64 * 1024);

    ReportPage(ZoneId zone) {
        this.zone = zone;
    }

    String render(RunReport r, List<GalleryItem> firstPage) {
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>imagegen · ")
                .append(esc(r.dataset()))
                .append(" · run ")
                .append(esc(r.runId()))
                .append("</title>\n<style>\n")
                .append(resource("report.css"))
                .append("</style>\n</head>\n<body>\n");
        header(r);
        cards(r);
        failures(r);
        latency(r);
        throughput(r);
        executions(r);
        gallery(r, firstPage);
        h.append("<footer>Written by imagegen from the database (summary.json holds the same figures). ")
                .append("Regenerate with <code>imagegen report JOBFILE --run-id ")
                .append(esc(r.runId()))
                .append("</code>.</footer>\n<script>\n")
                .append(resource("report.js"))
                .append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private void header(RunReport r) {
        h.append("<header>\n<h1>Run <span id=\"run-id\">")
                .append(esc(r.runId()))
                .append("</span> of dataset <span ")
                .append("id=\"dataset\">")
                .append(esc(r.dataset()))
                .append("</span><span class=\"status status-")
                .append(esc(r.status()))
                .append("\" id=\"status\">")
                .append(esc(r.status()))
                .append("</span></h1>\n")
                .append("<p class=\"muted\">Job instance ")
                .append(r.jobInstanceId())
                .append(", ")
                .append(r.executions().size())
                .append(r.executions().size() == 1 ? " execution" : " executions")
                .append(". Report written ")
                .append(esc(time(r.generatedAt())))
                .append(".</p>\n</header>\n");
    }

    private void cards(RunReport r) {
        RunReport.Counts c = r.counts();
        RunReport.Cost cost = r.cost();
        h.append("<section id=\"summary\" class=\"cards\">\n");
        card(
                "Images",
                "images",
                Long.toString(c.images()),
                null,
                c.imagesAdopted() > 0 ? c.imagesAdopted() + " adopted from disk" : "written by this run");
        card("Failed calls", "failedCalls", Long.toString(c.failedCalls()), null, c.openFailures() + " still open");
        card(
                "Prompts read",
                "promptsRead",
                Long.toString(c.promptsRead()),
                null,
                c.rowsRejected() + " source rows rejected");
        card(
                "Cost",
                "costTotalUsd",
                money(cost.totalUsd()),
                cost.totalUsd(),
                "images " + money(cost.imagesUsd()) + ", failed calls " + money(cost.failedCallsUsd())
                        + (cost.possiblyBilledCalls() > 0
                                ? ", possibly billed " + money(cost.possiblyBilledUsd()) + " ("
                                        + cost.possiblyBilledCalls() + " calls without an answer, estimated)"
                                : "")
                        + (cost.estimatedUsd().signum() > 0 ? ", estimated " + money(cost.estimatedUsd()) : ""));
        card(
                "Per image",
                "costPerImageUsd",
                cost.perImageUsd() == null ? "–" : money(cost.perImageUsd()),
                cost.perImageUsd(),
                cost.estimatedImages() > 0
                        ? cost.estimatedImages() + " estimated from tokens"
                        : "all from provider usage");
        RunReport.Throughput t = r.throughput();
        card(
                "Pace",
                "imagesPerSecond",
                t.imagesPerSecond() == null ? "–" : String.format(Locale.ROOT, "%.2f/s", t.imagesPerSecond()),
                null,
                String.format(Locale.ROOT, "wall time %.1f s", t.wallSeconds()));
        card(
                "Retries",
                "retries",
                Long.toString(r.retries().total()),
                null,
                r.retries().imagesRetried() + " images needed more than one attempt");
        RunReport.Latency l = r.latencyMs();
        card(
                "Latency p50",
                "latencyP50",
                l.p50() == null ? "–" : ms(l.p50()),
                null,
                l.p95() == null ? "no calls" : "p95 " + ms(l.p95()));
        h.append("</section>\n");
    }

    private void card(String label, String metric, String value, BigDecimal exact, String sub) {
        h.append("<div class=\"card\"><div class=\"label\">")
                .append(esc(label))
                .append("</div><div class=\"value\" ")
                .append("data-metric=\"")
                .append(metric)
                .append('"');
        if (exact != null) {
            h.append(" data-value=\"").append(exact.toPlainString()).append('"');
        }
        h.append('>')
                .append(esc(value))
                .append("</div><div class=\"sub\">")
                .append(esc(sub))
                .append("</div></div>\n");
    }

    private void failures(RunReport r) {
        h.append("<section id=\"failures\">\n<h2>Failures by kind <small>")
                .append(r.counts().failedCalls())
                .append(" failed calls</small></h2>\n<table id=\"failure-table\">\n<thead><tr><th>Kind</th>")
                .append("<th class=\"num\">Calls</th><th class=\"num\">Still open</th><th>Provider messages (commonest")
                .append(" first)</th></tr></thead>\n<tbody>\n");
        if (r.failures().isEmpty()) {
            h.append("<tr class=\"empty\"><td colspan=\"4\">No failed calls in this run.</td></tr>\n");
        }
        for (RunReport.FailureKind k : r.failures()) {
            h.append("<tr data-kind=\"")
                    .append(esc(k.kind()))
                    .append("\"><td class=\"kind\">")
                    .append(esc(k.kind()))
                    .append("</td><td class=\"num\" data-metric=\"failures.")
                    .append(esc(k.kind()))
                    .append("\">")
                    .append(k.count())
                    .append("</td><td class=\"num\">")
                    .append(k.open())
                    .append("</td><td><ul class=\"messages\">");
            for (RunReport.MessageCount m : k.messages()) {
                h.append("<li>")
                        .append(m.httpStatus() == null ? "" : "<code>" + m.httpStatus() + "</code> ")
                        .append(esc(m.message()))
                        .append(" <span class=\"muted\">×")
                        .append(m.count())
                        .append("</span></li>");
            }
            h.append("</ul></td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
        if (!r.failures().isEmpty()) {
            h.append("<h3>Examples</h3>\n<table id=\"failure-examples\">\n<thead><tr><th>Kind</th><th>Prompt id</th>")
                    .append("<th>Prompt</th><th class=\"num\">HTTP</th><th>Provider message</th>")
                    .append("<th class=\"num\">Attempts</th><th>When</th><th>Resolved</th></tr></thead>\n<tbody>\n");
            for (RunReport.FailureKind k : r.failures()) {
                for (RunReport.FailureExample e : k.examples()) {
                    h.append("<tr><td class=\"kind\">")
                            .append(esc(k.kind()))
                            .append("</td><td>")
                            .append(esc(e.promptId()))
                            .append(e.variant() > 0 ? " v" + e.variant() : "")
                            .append("</td><td class=\"prompt\">")
                            .append(esc(e.prompt()))
                            .append("</td><td class=\"num\">")
                            .append(e.httpStatus() == null ? "" : e.httpStatus())
                            .append("</td><td class=\"message\">")
                            .append(esc(e.message()))
                            .append("</td><td class=\"num\">")
                            .append(e.attempts())
                            .append("</td><td>")
                            .append(esc(time(e.failedAt())))
                            .append("</td><td>")
                            .append(e.resolved() ? "yes" : "no")
                            .append("</td></tr>\n");
                }
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");
    }

    private void latency(RunReport r) {
        RunReport.Latency l = r.latencyMs();
        h.append("<section id=\"latency\">\n<h2>Latency <small>")
                .append(l.count())
                .append(
                        " model calls, retries and waits included</small></h2>\n<table id=\"latency-table\"><thead><tr>");
        for (String p : List.of("p50", "p90", "p95", "p99", "max", "mean")) {
            h.append("<th class=\"num\">").append(p).append("</th>");
        }
        h.append("</tr></thead>\n<tbody><tr>");
        Long[] values = {l.p50(), l.p90(), l.p95(), l.p99(), l.max()};
        String[] names = {"p50", "p90", "p95", "p99", "max"};
        for (int i = 0; i < values.length; i++) {
            h.append("<td class=\"num\" data-metric=\"latency.")
                    .append(names[i])
                    .append("\">")
                    .append(values[i] == null ? "–" : ms(values[i]))
                    .append("</td>");
        }
        h.append("<td class=\"num\">")
                .append(l.mean() == null ? "–" : ms(Math.round(l.mean())))
                .append("</td>")
                .append("</tr></tbody>\n</table>\n</section>\n");
    }

    private void throughput(RunReport r) {
        RunReport.Throughput t = r.throughput();
        h.append("<section id=\"throughput\">\n<h2>Throughput <small>images and failed calls per ")
                .append(duration(t.bucketSeconds()))
                .append("</small></h2>\n");
        List<RunReport.Bucket> buckets = t.buckets();
        if (buckets.isEmpty()) {
            h.append("<p class=\"muted\">Nothing was written in this run.</p>\n</section>\n");
            return;
        }
        long first = buckets.get(0).start().getEpochSecond();
        long last = buckets.get(buckets.size() - 1).start().getEpochSecond() + t.bucketSeconds();
        long max =
                buckets.stream().mapToLong(b -> b.images() + b.failures()).max().orElse(1);
        double width = 1000;
        double height = 140;
        double left = 40;
        double top = 10;
        double span = Math.max(1, last - first);
        double barWidth = Math.max(1, (width - left - 10) * t.bucketSeconds() / span - 1);
        h.append("<svg class=\"chart\" id=\"throughput-chart\" viewBox=\"0 0 ")
                .append((int) width)
                .append(' ')
                .append((int) (height + 40))
                .append("\" role=\"img\" aria-label=\"")
                .append("images per time bucket\">\n");
        h.append("<text x=\"4\" y=\"")
                .append((int) top + 10)
                .append("\">")
                .append(max)
                .append("</text>")
                .append("<text x=\"4\" y=\"")
                .append((int) (top + height))
                .append("\">0</text>\n");
        for (RunReport.Bucket b : buckets) {
            double x = left + (width - left - 10) * (b.start().getEpochSecond() - first) / span;
            double hi = height * b.images() / max;
            double hf = height * b.failures() / max;
            h.append("<g><title>")
                    .append(esc(time(b.start())))
                    .append(": ")
                    .append(b.images())
                    .append(" images, ")
                    .append(b.failures())
                    .append(" failed calls</title>");
            h.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"img\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" " + "height=\"%.1f\"/>",
                    x,
                    top + height - hi,
                    barWidth,
                    hi));
            if (b.failures() > 0) {
                h.append(String.format(
                        Locale.ROOT,
                        "<rect class=\"fail\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" " + "height=\"%.1f\"/>",
                        x,
                        top + height - hi - hf,
                        barWidth,
                        hf));
            }
            h.append("</g>\n");
        }
        h.append("<text x=\"")
                .append((int) left)
                .append("\" y=\"")
                .append((int) (height + 30))
                .append("\">")
                .append(esc(time(Instant.ofEpochSecond(first))))
                .append("</text>")
                .append("<text x=\"")
                .append((int) width - 10)
                .append("\" y=\"")
                .append((int) (height + 30))
                .append("\" text-anchor=\"end\">")
                .append(esc(time(Instant.ofEpochSecond(last))))
                .append("</text>\n")
                .append("</svg>\n<p class=\"legend muted\"><span style=\"background:#2f5bd3\"></span>images")
                .append("<span style=\"background:#b3261e\"></span>failed calls</p>\n</section>\n");
    }

    private void executions(RunReport r) {
        h.append("<section id=\"executions\">\n<h2>Executions</h2>\n<table><thead><tr><th>Execution</th><th>Status")
                .append("</th><th>Started</th><th>Ended</th><th class=\"num\">Seconds</th><th>Exit</th></tr></thead>")
                .append("\n<tbody>\n");
        for (RunReport.ExecutionInfo e : r.executions()) {
            h.append("<tr><td>")
                    .append(e.id())
                    .append("</td><td>")
                    .append(esc(e.status()))
                    .append("</td><td>")
                    .append(esc(time(e.startTime())))
                    .append("</td><td>")
                    .append(esc(time(e.endTime())))
                    .append("</td><td class=\"num\">")
                    .append(String.format(Locale.ROOT, "%.1f", e.seconds()))
                    .append("</td><td class=\"message\">")
                    .append(esc(e.exitCode()))
                    .append(e.exitMessage() == null || e.exitMessage().isBlank() ? "" : ": " + esc(e.exitMessage()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    private void gallery(RunReport r, List<GalleryItem> firstPage) {
        RunReport.Gallery g = r.gallery();
        h.append("<section id=\"gallery-section\">\n<h2>Gallery <small><span data-metric=\"gallery.images\">")
                .append(g.images())
                .append("</span> images, ")
                .append(g.pageSize())
                .append(" per page")
                .append(g.missingFiles() > 0 ? ", " + g.missingFiles() + " image files missing" : "")
                .append("</small></h2>\n");
        pager(g.pages());
        h.append("<div id=\"gallery\" data-pages=\"")
                .append(g.pages())
                .append("\" data-page=\"1\" data-page-size=\"")
                .append(g.pageSize())
                .append("\">\n");
        if (firstPage.isEmpty()) {
            h.append("<p class=\"muted\">No images in this run.</p>\n");
        }
        for (GalleryItem i : firstPage) {
            h.append("<figure class=\"tile\"><a class=\"pic\" href=\"")
                    .append(esc(i.image()))
                    .append("\" target=\"_blank\" rel=\"noopener\">");
            if (i.thumb() != null) {
                h.append("<img loading=\"lazy\" decoding=\"async\" src=\"")
                        .append(esc(i.thumb()))
                        .append("\" alt=\"")
                        .append(esc(i.caption()))
                        .append("\">");
            } else {
                h.append("<span class=\"missing\">image file missing</span>");
            }
            h.append("</a><figcaption title=\"")
                    .append(esc(i.caption()))
                    .append("\">")
                    .append(esc(i.caption()))
                    .append("</figcaption><div class=\"meta\">")
                    .append(esc(i.id()))
                    .append(" · v")
                    .append(i.variant())
                    .append(" · ")
                    .append(i.width())
                    .append('×')
                    .append(i.height())
                    .append(i.costUsd() == null ? "" : " · " + money4(i.costUsd()))
                    .append(i.adopted() ? " · adopted" : "")
                    .append("</div></figure>\n");
        }
        h.append("</div>\n");
        pager(g.pages());
        h.append("</section>\n");
    }

    private void pager(int pages) {
        h.append("<nav class=\"pager\"")
                .append(pages <= 1 ? " hidden" : "")
                .append(">")
                .append("<button data-go=\"first\">«</button><button data-go=\"prev\">‹ Prev</button>")
                .append("<span>Page <input type=\"number\" min=\"1\" max=\"")
                .append(Math.max(1, pages))
                .append("\" value=\"1\"> of ")
                .append(pages)
                .append("</span>")
                .append("<button data-go=\"next\">Next ›</button><button data-go=\"last\">»</button></nav>\n");
    }

    private String time(Instant t) {
        return t == null ? "" : TIME.format(t.atZone(zone));
    }

    static String money(BigDecimal usd) {
        return "$" + usd.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static String money4(BigDecimal usd) {
        return money(usd);
    }

    private static String ms(long millis) {
        return millis < 10_000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String duration(long seconds) {
        if (seconds % 3600 == 0) {
            return seconds == 3600 ? "hour" : seconds / 3600 + " hours";
        }
        if (seconds % 60 == 0) {
            return seconds == 60 ? "minute" : seconds / 60 + " minutes";
        }
        return seconds == 1 ? "second" : seconds + " seconds";
    }

    private static String resource(String name) {
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
