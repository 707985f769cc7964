package dev.imagegen.report;

import java.time.ZoneId;
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
        ThroughputChart throughput,
        String bucket,
        List<ExecutionRow> executions,
        Gallery gallery) {

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
        ReportFormats f = new ReportFormats(zone);
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
                ThroughputChart.of(r.throughput(), f),
                ReportFormats.duration(r.throughput().bucketSeconds()),
                r.executions().stream().map(e -> executionRow(e, f)).toList(),
                gallery(r.gallery(), firstPage));
    }

    private static List<Card> cards(RunReport r, ReportFormats f) {
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
                        ReportFormats.money(cost.totalUsd()),
                        cost.totalUsd().toPlainString(),
                        "images " + ReportFormats.money(cost.imagesUsd()) + ", failed calls "
                                + ReportFormats.money(cost.failedCallsUsd())
                                + (cost.possiblyBilledCalls() > 0
                                        ? ", possibly billed " + ReportFormats.money(cost.possiblyBilledUsd()) + " ("
                                                + cost.possiblyBilledCalls() + " calls without an answer, estimated)"
                                        : "")
                                + (cost.estimatedUsd().signum() > 0
                                        ? ", estimated " + ReportFormats.money(cost.estimatedUsd())
                                        : "")),
                new Card(
                        "Per image",
                        "costPerImageUsd",
                        cost.perImageUsd() == null ? "–" : ReportFormats.money(cost.perImageUsd()),
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

    private static List<ExampleRow> examples(RunReport r, ReportFormats f) {
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

    private static ExecutionRow executionRow(RunReport.ExecutionInfo e, ReportFormats f) {
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
                                + (i.costUsd() == null ? "" : " · " + ReportFormats.money(i.costUsd()))
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
}
