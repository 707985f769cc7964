package dev.imagegen.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's SVG bar chart of images and failed calls per time bucket; {@code bars} is empty when nothing was
 * written. The plot is 1000 × 140 (40 left for the scale, 10 on top); {@code report.html.mustache} places the
 * viewBox (1000 × 180) and the axis labels around it.
 */
record ThroughputChart(long max, List<ThroughputChart.Bar> bars, String firstTime, String lastTime) {

    boolean hasBars() {
        return !bars.isEmpty();
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

    /** One bar per bucket with something in it, scaled to the largest. */
    static ThroughputChart of(RunReport.Throughput t, ReportFormats f) {
        List<RunReport.Bucket> buckets = t.buckets();
        if (buckets.isEmpty()) {
            return new ThroughputChart(0, List.of(), "", "");
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
        return new ThroughputChart(
                max, bars, f.time(Instant.ofEpochSecond(first)), f.time(Instant.ofEpochSecond(last)));
    }
}
