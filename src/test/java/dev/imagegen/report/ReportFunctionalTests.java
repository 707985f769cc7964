package dev.imagegen.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.PartiJob;
import dev.imagegen.testing.TestJob;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real run against the fake OpenRouter, then its report: every figure of summary.json and report.html is checked
 * against the rows in PostgreSQL, every image has a thumbnail, and the gallery pages cover every image once.
 */
class ReportFunctionalTests extends FunctionalTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern METRIC =
            Pattern.compile("data-metric=\"([^\"]+)\"(?: data-value=\"([^\"]+)\")?>" + "([^<]*)<");

    /** 200 PartiPrompts plus prompts that fail in each way the provider fails. */
    private TestJob partiWithFailures() throws IOException {
        return PartiJob.of(
                dir,
                db,
                server,
                "parti",
                List.of(
                        "[moderation] a violent scene",
                        "[moderation] another violent scene",
                        "[bad-request] a square circle",
                        "[no-image] a description only",
                        "[down] an unlucky prompt",
                        "[flaky] a lighthouse at dawn",
                        "[rate-limit] a crowded market"));
    }

    @Test
    void theReportOfARunSaysWhatTheDatabaseSays() throws Exception {
        TestJob job = partiWithFailures();

        TestJob.Result result = job.run("run", "--run-id", "night-1", "--progress", "log");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path reportDir = job.output().resolve("reports/night-1");
        assertThat(result.stdout()).contains(reportDir.resolve("report.html").toString());
        // The progress display knew the whole job up front: 207 prompts, one image each.
        assertThat(result.stderr()).contains("progress: 207/207 (100.0%)");

        JsonNode summary = JSON.readTree(reportDir.resolve("summary.json").toFile());
        long instance = jdbc.queryForObject("SELECT DISTINCT job_instance_id FROM generated_image", Long.class);
        assertThat(summary.path("runId").asString()).isEqualTo("night-1");
        assertThat(summary.path("jobInstanceId").asLong()).isEqualTo(instance);
        assertThat(summary.path("status").asString()).isEqualTo("COMPLETED");

        JsonNode counts = summary.path("counts");
        assertThat(counts.path("images").asLong())
                .isEqualTo(202)
                .isEqualTo(count("SELECT count(*) FROM generated_image"));
        assertThat(counts.path("failedCalls").asLong())
                .isEqualTo(5)
                .isEqualTo(count("SELECT count(*) FROM prompt_failure"));
        assertThat(counts.path("openFailures").asLong())
                .isEqualTo(count("SELECT count(*) FROM prompt_failure WHERE resolved_at IS NULL"));
        assertThat(counts.path("promptsRead").asLong()).isEqualTo(207);

        Map<String, Long> byKind = new HashMap<>();
        summary.path("failures")
                .forEach(k ->
                        byKind.put(k.path("kind").asString(), k.path("count").asLong()));
        assertThat(byKind)
                .isEqualTo(jdbc.query("SELECT kind, count(*) FROM prompt_failure GROUP BY kind", rs -> {
                    Map<String, Long> m = new HashMap<>();
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getLong(2));
                    }
                    return m;
                }))
                .containsEntry("moderation", 2L)
                .containsEntry("transient", 1L);
        JsonNode moderation = kind(summary, "moderation");
        assertThat(moderation.path("messages").get(0).path("httpStatus").asInt())
                .isEqualTo(403);
        assertThat(moderation.path("messages").get(0).path("message").asString())
                .contains("flagged by moderation");
        assertThat(moderation.path("examples")).hasSize(2);
        assertThat(moderation.path("examples").get(0).path("prompt").asString()).contains("violent scene");

        BigDecimal imagesCost = jdbc.queryForObject("SELECT sum(cost_usd) FROM generated_image", BigDecimal.class);
        BigDecimal failedCost =
                jdbc.queryForObject("SELECT coalesce(sum(cost_usd), 0) FROM prompt_failure", BigDecimal.class);
        JsonNode cost = summary.path("cost");
        assertThat(cost.path("imagesUsd").decimalValue()).isEqualByComparingTo(imagesCost);
        assertThat(cost.path("failedCallsUsd").decimalValue()).isEqualByComparingTo(failedCost);
        assertThat(cost.path("totalUsd").decimalValue())
                .isEqualByComparingTo(imagesCost.add(failedCost))
                .isEqualByComparingTo("7.5755"); // 202 × 0.0375 + the no-image call's 0.0005
        assertThat(cost.path("perImageUsd").decimalValue())
                .isEqualByComparingTo(imagesCost
                        .add(failedCost)
                        .divide(BigDecimal.valueOf(202), 8, java.math.RoundingMode.HALF_EVEN));

        List<Long> latencies =
                jdbc.queryForList("SELECT latency_ms FROM generated_image ORDER BY latency_ms", Long.class);
        JsonNode latency = summary.path("latencyMs");
        assertThat(latency.path("count").asLong()).isEqualTo(latencies.size());
        assertThat(latency.path("p50").asLong()).isEqualTo(nearestRank(latencies, 0.50));
        assertThat(latency.path("p95").asLong()).isEqualTo(nearestRank(latencies, 0.95));
        assertThat(latency.path("max").asLong()).isEqualTo(latencies.get(latencies.size() - 1));

        long retries = count("SELECT sum(attempts - 1) FROM generated_image")
                + count("SELECT sum(attempts - 1) FROM prompt_failure");
        assertThat(summary.path("retries").path("total").asLong())
                .isEqualTo(retries)
                .isGreaterThanOrEqualTo(4);

        long bucketed = 0;
        for (JsonNode b : summary.path("throughput").path("buckets")) {
            bucketed += b.path("images").asLong();
        }
        assertThat(bucketed).isEqualTo(202);

        // The page shows the same figures.
        String html = Files.readString(reportDir.resolve("report.html"));
        Map<String, String[]> metrics = metrics(html);
        assertThat(metrics.get("images")[1]).isEqualTo("202");
        assertThat(metrics.get("failedCalls")[1]).isEqualTo("5");
        assertThat(metrics.get("promptsRead")[1]).isEqualTo("207");
        assertThat(new BigDecimal(metrics.get("costTotalUsd")[0]))
                .isEqualByComparingTo(cost.path("totalUsd").decimalValue());
        assertThat(metrics.get("costTotalUsd")[1]).isEqualTo("$7.5755");
        assertThat(metrics.get("failures.moderation")[1]).isEqualTo("2");
        assertThat(metrics.get("retries")[1]).isEqualTo(Long.toString(retries));
        assertThat(metrics.get("latency.p50")[1]).startsWith(Long.toString(nearestRank(latencies, 0.50)));
        assertThat(metrics.get("gallery.images")[1]).isEqualTo("202");
        assertThat(html)
                .contains("Input was flagged by moderation")
                .contains("id=\"failure-table\"")
                .doesNotContain("<script src=\"http");

        // Every image is in the gallery exactly once, with a thumbnail that is a small JPEG.
        List<JsonNode> items = galleryItems(reportDir);
        assertThat(items).hasSize(202);
        assertThat(items.stream().map(i -> i.path("id").asString()).distinct()).hasSize(202);
        for (JsonNode item : items) {
            Path thumb = reportDir.resolve(item.path("thumb").asString());
            BufferedImage t = ImageIO.read(thumb.toFile());
            assertThat(t).as(thumb.toString()).isNotNull();
            assertThat(Math.max(t.getWidth(), t.getHeight())).isLessThanOrEqualTo(Thumbnails.SIZE);
            assertThat(reportDir.resolve(item.path("image").asString()).normalize())
                    .isRegularFile();
            assertThat(item.path("caption").asString()).isNotBlank();
        }
        assertThat(summary.path("gallery").path("pages").asInt()).isEqualTo(3);
        assertThat(summary.path("gallery").path("thumbnails").asLong()).isEqualTo(202);
    }

    @Test
    void theReportCommandRewritesTheSameFiguresAndReusesThumbnails() throws Exception {
        TestJob job =
                TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "[moderation] two", "c", "three");
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        Path reportDir = job.output().resolve("reports/r1");
        assertThat(reportDir).doesNotExist();

        TestJob.Result first = job.run("report", "--run-id", "r1");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        JsonNode one = JSON.readTree(reportDir.resolve("summary.json").toFile());
        assertThat(one.path("gallery").path("thumbnailsMade").asLong()).isEqualTo(2);

        // Without --run-id: the latest run, here the same one.
        TestJob.Result again = job.run("report");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        JsonNode two = JSON.readTree(reportDir.resolve("summary.json").toFile());
        assertThat(two.path("gallery").path("thumbnailsMade").asLong()).isZero();
        assertThat(two.path("counts")).isEqualTo(one.path("counts"));
        assertThat(two.path("cost")).isEqualTo(one.path("cost"));
        assertThat(two.path("failures")).isEqualTo(one.path("failures"));

        TestJob.Result unknown = job.run("report", "--run-id", "nope");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("no run 'nope'");
    }

    @Test
    void webpImagesGetThumbnailsAndMissingFilesAreShownNotFatal() throws Exception {
        byte[] webp;
        try (InputStream in = getClass().getResourceAsStream("/images/gradient-64x48.webp")) {
            webp = in.readAllBytes();
        }
        String dataUrl = "data:image/webp;base64," + Base64.getEncoder().encodeToString(webp);
        server.behaviour(call ->
                call.prompt().contains("[webp]") ? server.successWith(call, dataUrl, 0.02) : server.markers(call));
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts("w", "[webp] a gradient", "p", "a png", "gone", "a png whose file will vanish");
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        String gone =
                jdbc.queryForObject("SELECT file_path FROM generated_image WHERE prompt_id = 'gone'", String.class);
        Files.delete(job.output().resolve(gone));

        TestJob.Result result = job.run("report", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path reportDir = job.output().resolve("reports/r1");
        Map<String, JsonNode> items = new HashMap<>();
        galleryItems(reportDir).forEach(i -> items.put(i.path("id").asString(), i));
        assertThat(items.get("w").path("image").asString()).endsWith(".webp");
        BufferedImage thumb = ImageIO.read(
                reportDir.resolve(items.get("w").path("thumb").asString()).toFile());
        assertThat(thumb.getWidth()).isEqualTo(64);
        assertThat(thumb.getHeight()).isEqualTo(48);
        assertThat(items.get("gone").path("thumb").isNull()).isTrue();
        JsonNode gallery =
                JSON.readTree(reportDir.resolve("summary.json").toFile()).path("gallery");
        assertThat(gallery.path("missingFiles").asLong()).isEqualTo(1);
        assertThat(gallery.path("thumbnails").asLong()).isEqualTo(2);
    }

    /**
     * A file under output.dir whose header declares more pixels than the limits (replaced after the run, or made
     * by an older version) is listed without a thumbnail: the report never decodes it.
     */
    @Test
    void picturesOverTheSizeLimitsGetNoThumbnailAndAreNotDecoded() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null)
                .prompts("ok", "a png", "big", "a picture made big", "huge", "a picture made huge");
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        // 20000 x 20000 decodes (in a few seconds, with subsampling); 100000 x 100000 could not.
        Files.write(job.output().resolve(filePath("big")), dev.imagegen.testing.TestPng.bilevel(20_000, 20_000));
        Files.write(job.output().resolve(filePath("huge")), dev.imagegen.testing.TestPng.declaring(100_000, 100_000));

        TestJob.Result result = job.run("report", "--run-id", "r1");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path reportDir = job.output().resolve("reports/r1");
        Map<String, JsonNode> items = new HashMap<>();
        galleryItems(reportDir).forEach(i -> items.put(i.path("id").asString(), i));
        assertThat(items.get("ok").path("thumb").isString()).isTrue();
        assertThat(items.get("big").path("thumb").isNull()).isTrue();
        assertThat(items.get("huge").path("thumb").isNull()).isTrue();
        assertThat(JSON.readTree(reportDir.resolve("summary.json").toFile())
                        .path("gallery")
                        .path("thumbnailsMade")
                        .asLong())
                .isEqualTo(1);
        try (Stream<Path> thumbs = Files.walk(reportDir.resolve("thumbs"))) {
            assertThat(thumbs.filter(Files::isRegularFile).count()).isEqualTo(1);
        }
    }

    private String filePath(String promptId) {
        return jdbc.queryForObject("SELECT file_path FROM generated_image WHERE prompt_id = ?", String.class, promptId);
    }

    private static JsonNode kind(JsonNode summary, String kind) {
        for (JsonNode k : summary.path("failures")) {
            if (k.path("kind").asString().equals(kind)) {
                return k;
            }
        }
        throw new AssertionError("no failures of kind " + kind);
    }

    /** metric → {exact value or null, shown text}. */
    static Map<String, String[]> metrics(String html) {
        Map<String, String[]> m = new HashMap<>();
        Matcher matcher = METRIC.matcher(html);
        while (matcher.find()) {
            m.put(matcher.group(1), new String[] {matcher.group(2), matcher.group(3)});
        }
        return m;
    }

    static List<JsonNode> galleryItems(Path reportDir) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        try (Stream<Path> pages = Files.list(reportDir.resolve("gallery")).sorted()) {
            for (Path page : pages.toList()) {
                String js = Files.readString(page);
                assertThat(js).startsWith("imagegenGallery(").endsWith(");\n");
                String array = js.substring(js.indexOf(", ") + 2, js.length() - 3);
                JSON.readTree(array).forEach(items::add);
            }
        }
        return items;
    }

    private static long nearestRank(List<Long> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private long count(String sql) {
        Long n = jdbc.queryForObject(sql, Long.class);
        return n == null ? 0 : n;
    }
}
