package dev.imagegen.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code report.html.mustache} shows, as text: the run's figures formatted (money, milliseconds, local times)
 * and the throughput chart's geometry computed. Everything here is plain data; the template engine escapes it.
 */
record ReportView(
        String dataset,
        String runId,
        String status,
        long jobInstanceId,
        String executionCount,
        String generatedAt,
        List<Card> cards,
        long failedCalls,
        List<KindRow> failureKinds,
        List<ExampleRow> failureExamples,
        long latencyCalls,
        List<Cell> latencyCells,
        String latencyMean,
        Chart throughput,
        String bucket,
        List<ExecutionRow> executions,
        Gallery gallery) {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT);

    /** A summary card; {@code exact} (the amount behind a money figure) is null for the others. */
    record Card(String label, String metric, String value, String exact, String sub) {}

    record KindRow(String kind, long count, long open, List<Message> messages) {}

    record Message(Integer httpStatus, String text, long count) {}

    record ExampleRow(
            String kind,
            String promptId,
            String prompt,
            String httpStatus,
            String message,
            int attempts,
            String when,
            String resolved) {}

    record Cell(String name, String value) {}

    /** The SVG bar chart: {@code bars} is empty when nothing was written. */
    record Chart(long max, List<Bar> bars, String firstTime, String lastTime) {
        boolean hasBars() {
            return !bars.isEmpty();
        }
    }

    /** A bucket's bar: the images' rectangle and, stacked on it, the failed calls' (null without failures). */
    record Bar(String title, Rect image, Rect failure) {}

    /** One decimal each, as the SVG's attributes. */
    record Rect(String x, String y, String width, String height) {
        Rect(double x, double y, double width, double height) {
            this(one(x), one(y), one(width), one(height));
        }

        private static String one(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
    }

    record ExecutionRow(long id, String status, String started, String ended, String seconds, String exit) {}

    record Gallery(long images, int pageSize, int pages, int maxPage, String missing, List<Tile> tiles) {
        /** One page or none: the pager is hidden. */
        boolean single() {
            return pages <= 1;
        }
    }

    /** A picture of the first gallery page; {@code thumb} is null when the image file could not be read. */
    record Tile(String image, String thumb, String caption, String meta) {
        boolean hasThumb() {
            return thumb != null;
        }
    }

    boolean hasFailures() {
        return !failureKinds.isEmpty();
    }

    static ReportView of(RunReport r, List<GalleryItem> firstPage, ZoneId zone) {
        Formats f = new Formats(zone);
        RunReport.Latency l = r.latencyMs();
        List<Cell> latency = List.of(
                new Cell("p50", f.ms(l.p50())),
                new Cell("p90", f.ms(l.p90())),
                new Cell("p95", f.ms(l.p95())),
                new Cell("p99", f.ms(l.p99())),
                new Cell("max", f.ms(l.max())));
        return new ReportView(
                r.dataset(),
                r.runId(),
                r.status(),
                r.jobInstanceId(),
                r.executions().size() + (r.executions().size() == 1 ? " execution" : " executions"),
                f.time(r.generatedAt()),
                cards(r, f),
                r.counts().failedCalls(),
                r.failures().stream().map(ReportView::kindRow).toList(),
                examples(r, f),
                l.count(),
                latency,
                l.mean() == null ? "–" : f.ms(Math.round(l.mean())),
                chart(r.throughput(), f),
                duration(r.throughput().bucketSeconds()),
                r.executions().stream().map(e -> executionRow(e, f)).toList(),
                gallery(r.gallery(), firstPage));
    }

    private static List<Card> cards(RunReport r, Formats f) {
        RunReport.Counts c = r.counts();
        RunReport.Cost cost = r.cost();
        RunReport.Throughput t = r.throughput();
        RunReport.Latency l = r.latencyMs();
        return List.of(
                new Card(
                        "Images",
                        "images",
                        Long.toString(c.images()),
                        null,
                        c.imagesAdopted() > 0 ? c.imagesAdopted() + " adopted from disk" : "written by this run"),
                new Card(
                        "Failed calls",
                        "failedCalls",
                        Long.toString(c.failedCalls()),
                        null,
                        c.openFailures() + " still open"),
                new Card(
                        "Prompts read",
                        "promptsRead",
                        Long.toString(c.promptsRead()),
                        null,
                        c.rowsRejected() + " source rows rejected"),
                new Card(
                        "Cost",
                        "costTotalUsd",
                        money(cost.totalUsd()),
                        cost.totalUsd().toPlainString(),
                        "images " + money(cost.imagesUsd()) + ", failed calls " + money(cost.failedCallsUsd())
                                + (cost.possiblyBilledCalls() > 0
                                        ? ", possibly billed " + money(cost.possiblyBilledUsd()) + " ("
                                                + cost.possiblyBilledCalls() + " calls without an answer, estimated)"
                                        : "")
                                + (cost.estimatedUsd().signum() > 0
                                        ? ", estimated " + money(cost.estimatedUsd())
                                        : "")),
                new Card(
                        "Per image",
                        "costPerImageUsd",
                        cost.perImageUsd() == null ? "–" : money(cost.perImageUsd()),
                        cost.perImageUsd() == null ? null : cost.perImageUsd().toPlainString(),
                        cost.estimatedImages() > 0
                                ? cost.estimatedImages() + " estimated from tokens"
                                : "all from provider usage"),
                new Card(
                        "Pace",
                        "imagesPerSecond",
                        t.imagesPerSecond() == null ? "–" : String.format(Locale.ROOT, "%.2f/s", t.imagesPerSecond()),
                        null,
                        String.format(Locale.ROOT, "wall time %.1f s", t.wallSeconds())),
                new Card(
                        "Retries",
                        "retries",
                        Long.toString(r.retries().total()),
                        null,
                        r.retries().imagesRetried() + " images needed more than one attempt"),
                new Card(
                        "Latency p50",
                        "latencyP50",
                        f.ms(l.p50()),
                        null,
                        l.p95() == null ? "no calls" : "p95 " + f.ms(l.p95())));
    }

    private static KindRow kindRow(RunReport.FailureKind k) {
        return new KindRow(
                k.kind(),
                k.count(),
                k.open(),
                k.messages().stream()
                        .map(m -> new Message(m.httpStatus(), m.message(), m.count()))
                        .toList());
    }

    private static List<ExampleRow> examples(RunReport r, Formats f) {
        List<ExampleRow> rows = new ArrayList<>();
        for (RunReport.FailureKind k : r.failures()) {
            for (RunReport.FailureExample e : k.examples()) {
                rows.add(new ExampleRow(
                        k.kind(),
                        Objects.toString(e.promptId(), "") + (e.variant() > 0 ? " v" + e.variant() : ""),
                        e.prompt(),
                        e.httpStatus() == null ? "" : e.httpStatus().toString(),
                        e.message(),
                        e.attempts(),
                        f.time(e.failedAt()),
                        e.resolved() ? "yes" : "no"));
            }
        }
        return rows;
    }

    /** Bars on a 1000 × 140 plot (40 left for the scale, 10 top), one per bucket with something in it. */
    private static Chart chart(RunReport.Throughput t, Formats f) {
        List<RunReport.Bucket> buckets = t.buckets();
        if (buckets.isEmpty()) {
            return new Chart(0, List.of(), "", "");
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
        List<Bar> bars = new ArrayList<>(buckets.size());
        for (RunReport.Bucket b : buckets) {
            double x = left + (width - left - 10) * (b.start().getEpochSecond() - first) / span;
            double hi = height * b.images() / max;
            double hf = height * b.failures() / max;
            bars.add(new Bar(
                    f.time(b.start()) + ": " + b.images() + " images, " + b.failures() + " failed calls",
                    new Rect(x, top + height - hi, barWidth, hi),
                    b.failures() > 0 ? new Rect(x, top + height - hi - hf, barWidth, hf) : null));
        }
        return new Chart(max, bars, f.time(Instant.ofEpochSecond(first)), f.time(Instant.ofEpochSecond(last)));
    }

    private static ExecutionRow executionRow(RunReport.ExecutionInfo e, Formats f) {
        return new ExecutionRow(
                e.id(),
                e.status(),
                f.time(e.startTime()),
                f.time(e.endTime()),
                String.format(Locale.ROOT, "%.1f", e.seconds()),
                Objects.toString(e.exitCode(), "")
                        + (e.exitMessage() == null || e.exitMessage().isBlank() ? "" : ": " + e.exitMessage()));
    }

    private static Gallery gallery(RunReport.Gallery g, List<GalleryItem> firstPage) {
        List<Tile> tiles = firstPage.stream()
                .map(i -> new Tile(
                        i.image(),
                        i.thumb(),
                        i.caption(),
                        Objects.toString(i.id(), "") + " · v" + i.variant() + " · " + i.width() + '×' + i.height()
                                + (i.costUsd() == null ? "" : " · " + money(i.costUsd()))
                                + (i.adopted() ? " · adopted" : "")))
                .toList();
        return new Gallery(
                g.images(),
                g.pageSize(),
                g.pages(),
                Math.max(1, g.pages()),
                g.missingFiles() > 0 ? ", " + g.missingFiles() + " image files missing" : "",
                tiles);
    }

    static String money(BigDecimal usd) {
        return "$" + usd.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
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

    /** Times in the reader's zone; latencies in ms below 10 s, else seconds; "–" for none. */
    private record Formats(ZoneId zone) {
        String time(Instant t) {
            return t == null ? "" : TIME.format(t.atZone(zone));
        }

        String ms(Long millis) {
            if (millis == null) {
                return "–";
            }
            return millis < 10_000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
    }
}
