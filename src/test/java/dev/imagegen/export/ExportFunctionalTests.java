package dev.imagegen.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.model.ImageProbe;
import dev.imagegen.store.ImageStore;
import dev.imagegen.store.SafeNames;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exports of a real run: the WebDataset shards are read back with Commons Compress and with the system's tar, every
 * sample has all its parts and its metadata equals the database row; the ImageFolder metadata resolves every
 * file_name; a repeated export is identical; filters by run, date and prompt currency hold.
 */
class ExportFunctionalTests extends FunctionalTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** 11 prompts with attribute columns, two variants each, one prompt answered with WebP, one refused. */
    private TestJob job() throws IOException {
        byte[] webp;
        try (InputStream in = getClass().getResourceAsStream("/images/gradient-64x48.webp")) {
            webp = in.readAllBytes();
        }
        String dataUrl = "data:image/webp;base64," + Base64.getEncoder().encodeToString(webp);
        server.behaviour(call ->
                call.prompt().contains("[webp]") ? server.successWith(call, dataUrl, 0.02) : server.markers(call));
        StringBuilder csv = new StringBuilder("id,prompt,style,subject\n");
        for (int i = 0; i < 10; i++) {
            csv.append("p.")
                    .append(i)
                    .append(",\"a picture, number ")
                    .append(i)
                    .append(" \"\"quoted\"\" é\",")
                    .append(i % 2 == 0 ? "photo" : "sketch")
                    .append(",thing-")
                    .append(i)
                    .append('\n');
        }
        csv.append("web,[webp] a gradient,render,gradient\n");
        csv.append("refused,[moderation] nope,photo,x\n");
        Files.writeString(dir.resolve("prompts.csv"), csv);
        return new TestJob(dir, db, """
                dataset: shop
                source: { csv: prompts.csv, id-column: id, prompt-column: prompt }
                model: { base-url: %s, api-key: k, seed: 5, images-per-prompt: 2, prompt-template: "{prompt} ({style})" }
                run: { concurrency: 3, chunk-size: 2, retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 20ms } }
                output: { dir: out }
                """.formatted(server.baseUrl()));
    }

    @Test
    void webDatasetShardsAreStandardTarsWithCompleteSamplesThatRoundTripTheMetadata() throws Exception {
        TestJob job = job();
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        Map<String, Map<String, Object>> rows = rowsByKey();
        assertThat(rows).hasSize(22);
        Path out = dir.resolve("wds");

        TestJob.Result result =
                job.run("export", "--format", "webdataset", "--to", out.toString(), "--shard-samples", "5");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<Path> shards = files(out, ".tar");
        assertThat(shards)
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "shop-000000.tar", "shop-000001.tar", "shop-000002.tar", "shop-000003.tar", "shop-000004.tar");
        Map<String, Map<String, byte[]>> samples = new LinkedHashMap<>();
        for (Path shard : shards) {
            // The system's tar lists it, and Commons Compress reads the same members in the same order.
            List<String> listed = systemTarList(shard);
            List<String> read = new ArrayList<>();
            Map<String, Map<String, byte[]>> inShard = readShard(shard, read);
            assertThat(read).isEqualTo(listed);
            assertThat(inShard.size()).isLessThanOrEqualTo(5);
            assertMembersOfASampleAreAdjacent(listed);
            checkIndex(shard, inShard);
            samples.putAll(inShard);
        }
        assertThat(samples.keySet()).isEqualTo(rows.keySet());
        for (var e : samples.entrySet()) {
            String key = e.getKey();
            Map<String, byte[]> parts = e.getValue();
            Map<String, Object> row = rows.get(key);
            assertThat(key).doesNotContain(".");
            String ext =
                    ((String) row.get("file_path")).substring(((String) row.get("file_path")).lastIndexOf('.') + 1);
            assertThat(parts.keySet()).containsExactlyInAnyOrder(ext, "txt", "json");
            byte[] image = parts.get(ext);
            assertThat(ImageStore.sha256(image)).isEqualTo(row.get("sha256"));
            ImageProbe.inspect(image, (String) row.get("media_type"));
            assertThat(new String(parts.get("txt"), StandardCharsets.UTF_8)).isEqualTo(row.get("rendered_prompt"));
            JsonNode meta = JSON.readTree(parts.get("json"));
            assertThat(meta.path("id").asString()).isEqualTo(row.get("prompt_id"));
            assertThat(meta.path("variant").asInt()).isEqualTo(row.get("variant"));
            assertThat(meta.path("prompt").asString()).isEqualTo(row.get("prompt"));
            assertThat(meta.path("model").asString()).isEqualTo(row.get("model"));
            assertThat(meta.path("seed").asLong()).isEqualTo(((Number) row.get("seed")).longValue());
            assertThat(meta.path("sha256").asString()).isEqualTo(row.get("sha256"));
            assertThat(meta.path("run_id").asString()).isEqualTo("r1");
            assertThat(meta.path("attributes"))
                    .isEqualTo(JSON.readTree(row.get("attributes").toString()));
        }
        assertThat(samples.get("web_v0")).containsKey("webp");
        JsonNode list = JSON.readTree(out.resolve("shop.shards.json").toFile());
        int total = 0;
        for (JsonNode s : list.path("shardlist")) {
            total += s.path("nsamples").asInt();
        }
        assertThat(total).isEqualTo(22);

        // Again: byte for byte the same shards.
        Map<String, String> before = hashes(out);
        TestJob.Result again =
                job.run("export", "--format", "webdataset", "--to", out.toString(), "--shard-samples", "5");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(hashes(out)).isEqualTo(before);

        // Bigger shards: fewer files, and none of the old ones left behind.
        assertThat(job.run("export", "--format", "webdataset", "--to", out.toString(), "--shard-samples", "100")
                        .exitCode())
                .isZero();
        assertThat(files(out, ".tar")).hasSize(1);
        assertThat(files(out, ".index.jsonl")).hasSize(1);
    }

    @Test
    void imageFolderMetadataResolvesEveryFileAndAReexportChangesNothing() throws Exception {
        TestJob job = job();
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        Map<String, Map<String, Object>> rows = rowsByKey();
        Path out = dir.resolve("hf");

        TestJob.Result result = job.run("export", "--format", "imagefolder", "--to", out.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path metadata = out.resolve("train/metadata.jsonl");
        List<String> lines = Files.readAllLines(metadata);
        assertThat(lines).hasSize(22);
        for (String line : lines) {
            JsonNode m = JSON.readTree(line);
            assertThat(line).startsWith("{\"file_name\":");
            Path file = metadata.getParent().resolve(m.path("file_name").asString());
            assertThat(file).isRegularFile();
            assertThat(file.getParent()).isEqualTo(metadata.getParent());
            Map<String, Object> row =
                    rows.get(key(m.path("id").asString(), m.path("variant").asInt()));
            assertThat(ImageStore.sha256(Files.readAllBytes(file))).isEqualTo(row.get("sha256"));
            for (String field : List.of("prompt", "id", "model", "seed", "attributes")) {
                assertThat(m.has(field)).as(field).isTrue();
            }
            assertThat(m.path("attributes").path("style").asString()).isIn("photo", "sketch", "render");
        }
        Map<String, Long> stamps = modificationTimes(out);
        byte[] firstMetadata = Files.readAllBytes(metadata);

        TestJob.Result again = job.run("export", "--format", "imagefolder", "--to", out.toString());

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(Files.readAllBytes(metadata)).isEqualTo(firstMetadata);
        Map<String, Long> after = modificationTimes(out);
        after.remove("train/metadata.jsonl");
        stamps.remove("train/metadata.jsonl");
        assertThat(after).isEqualTo(stamps); // no image copied twice
    }

    @Test
    void exportsSelectByRunAndDateLeaveOutStaleImagesAndRefuseForeignDirectories() throws Exception {
        TestJob job = TestJob.openRouter(dir, db, server, null).prompts("a", "one", "b", "two");
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        // Second run: two new prompts, and a's text changes to one the provider refuses, so a keeps an image made
        // for its old text: stale, and left out of every export.
        job.prompts("a", "[moderation] one changed", "b", "two", "c", "three", "d", "four");
        assertThat(job.run("run", "--run-id", "r2", "--no-report").exitCode()).isZero();

        Path all = dir.resolve("all");
        TestJob.Result everything =
                job.run("export", "--format", "jsonl", "--to", all.toString(), "--paths", "relative");
        assertThat(everything.exitCode()).as(everything.toString()).isZero();
        assertThat(everything.stdout()).contains("left out        1 images");
        List<String> lines = Files.readAllLines(all.resolve("test.jsonl"));
        assertThat(lines)
                .extracting(l -> JSON.readTree(l).path("id").asString())
                .containsExactly("b", "c", "d");
        for (String l : lines) {
            Path image = all.resolve(JSON.readTree(l).path("path").asString()).normalize();
            assertThat(image).isRegularFile();
        }

        Path second = dir.resolve("r2");
        assertThat(job.run("export", "--format", "jsonl", "--to", second.toString(), "--run-id", "r2")
                        .exitCode())
                .isZero();
        assertThat(Files.readAllLines(second.resolve("test.jsonl")))
                .extracting(l -> JSON.readTree(l).path("id").asString())
                .containsExactly("c", "d");
        assertThat(JSON.readTree(
                                Files.readAllLines(second.resolve("test.jsonl")).get(0))
                        .path("path")
                        .asString())
                .startsWith("/");

        Path future = dir.resolve("future");
        assertThat(job.run("export", "--format", "jsonl", "--to", future.toString(), "--since", "2999-01-01")
                        .exitCode())
                .isZero();
        assertThat(Files.readAllLines(future.resolve("test.jsonl"))).isEmpty();
        Path past = dir.resolve("past");
        assertThat(job.run("export", "--format", "jsonl", "--to", past.toString(), "--until", "2999-01-01T00:00:00Z")
                        .exitCode())
                .isZero();
        assertThat(Files.readAllLines(past.resolve("test.jsonl"))).hasSize(3);

        TestJob.Result otherSelection = job.run("export", "--format", "jsonl", "--to", second.toString());
        assertThat(otherSelection.exitCode()).isEqualTo(2);
        assertThat(otherSelection.stderr()).contains("holds another export");
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        TestJob.Result refused = job.run("export", "--format", "imagefolder", "--to", foreign.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).contains("not empty");
        assertThat(Files.readString(foreign.resolve("notes.txt"))).isEqualTo("mine");
        assertThat(job.run(
                                "export",
                                "--format",
                                "tarball",
                                "--to",
                                dir.resolve("x").toString())
                        .exitCode())
                .isEqualTo(2);
        assertThat(job.run(
                                "export",
                                "--format",
                                "jsonl",
                                "--to",
                                dir.resolve("y").toString(),
                                "--run-id",
                                "nope")
                        .stderr())
                .contains("no run 'nope'");
    }

    private Map<String, Map<String, Object>> rowsByKey() {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        for (Map<String, Object> r : jdbc.queryForList("""
                SELECT g.*, p.prompt, p.rendered_prompt, p.attributes FROM generated_image g
                  JOIN prompt p USING (dataset, prompt_id)""")) {
            rows.put(key((String) r.get("prompt_id"), (Integer) r.get("variant")), r);
        }
        return rows;
    }

    /** The sample key of the export: the image store's safe name of the id, and the variant. */
    private static String key(String id, int variant) {
        return SafeNames.stem(id) + "_v" + variant;
    }

    private static List<String> systemTarList(Path shard) throws Exception {
        Process p = new ProcessBuilder("tar", "-tf", shard.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    private static Map<String, Map<String, byte[]>> readShard(Path shard, List<String> names) throws IOException {
        Map<String, Map<String, byte[]>> samples = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(shard))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
                int dot = e.getName().indexOf('.');
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                tar.transferTo(data);
                samples.computeIfAbsent(e.getName().substring(0, dot), k -> new HashMap<>())
                        .put(e.getName().substring(dot + 1), data.toByteArray());
            }
        }
        return samples;
    }

    /** Another process (here one that only holds the lock) is exporting into DIR: a second export is refused. */
    @Test
    void aSecondExportIntoADirectoryInUseIsRefusedAndChangesNothing() throws Exception {
        TestJob job = job();
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        Path out = dir.resolve("hf");
        assertThat(job.run("export", "--format", "imagefolder", "--to", out.toString())
                        .exitCode())
                .isZero();
        Map<String, Long> before = modificationTimes(out);
        byte[] metadata = Files.readAllBytes(out.resolve("train/metadata.jsonl"));

        Process holder = dev.imagegen.testing.HoldFileLock.start(out.resolve(".imagegen-export.lock"));
        TestJob.Result refused;
        try {
            refused = job.run("export", "--format", "imagefolder", "--to", out.toString());
        } finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(4);
        assertThat(refused.stderr()).contains("another export into " + out + " is in progress");
        assertThat(modificationTimes(out)).isEqualTo(before);
        assertThat(Files.readAllBytes(out.resolve("train/metadata.jsonl"))).isEqualTo(metadata);
        // Once the other one is done, the directory is free again.
        assertThat(job.run("export", "--format", "imagefolder", "--to", out.toString())
                        .exitCode())
                .isZero();
    }

    /**
     * Two exports of one selection into one directory at once (in this JVM): one may be refused, neither breaks the
     * other, and what is left is one whole export with no temporary file.
     */
    @Test
    void twoExportsAtOnceLeaveOneWholeExport() throws Exception {
        TestJob job = job();
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        dev.imagegen.spec.JobSpec spec = new dev.imagegen.spec.JobSpecLoader()
                .load(dir.resolve("job.yml"), List.of())
                .asDryRun();
        for (ExportFormat format : List.of(ExportFormat.IMAGEFOLDER, ExportFormat.WEBDATASET)) {
            Path out = dir.resolve("both-" + format.id());
            ExportOptions options = new ExportOptions(format, out, null, null, null, 5, 1L << 30, true, false);
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            List<java.util.concurrent.Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        new DatasetExports(jdbc, spec).export(options);
                        return "exported";
                    } catch (ExportBusyException e) {
                        return "refused";
                    }
                }));
            }
            List<String> results = new ArrayList<>();
            for (var f : outcomes) {
                results.add(f.get(2, TimeUnit.MINUTES));
            }
            pool.shutdown();

            assertThat(results).as(format.id()).contains("exported");
            try (Stream<Path> files = Files.walk(out)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .as(format.id())
                        .noneMatch(n -> n.endsWith(".tmp"));
            }
            if (format == ExportFormat.IMAGEFOLDER) {
                List<String> lines = Files.readAllLines(out.resolve("train/metadata.jsonl"));
                assertThat(lines).hasSize(22);
                for (String line : lines) {
                    assertThat(out.resolve("train")
                                    .resolve(JSON.readTree(line)
                                            .path("file_name")
                                            .asString()))
                            .isRegularFile();
                }
            } else {
                assertThat(files(out, ".tar")).hasSize(5);
                long samples = 0;
                for (Path shard : files(out, ".tar")) {
                    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(shard))) {
                        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                            samples += e.getName().endsWith(".json") ? 1 : 0;
                        }
                    }
                }
                assertThat(samples).isEqualTo(22);
            }
        }
    }

    @Test
    void temporaryFilesOfAnInterruptedExportAreRemovedByTheNext() throws Exception {
        TestJob job = job();
        assertThat(job.run("run", "--run-id", "r1", "--no-report").exitCode()).isZero();
        Path out = dir.resolve("hf");
        assertThat(job.run("export", "--format", "imagefolder", "--to", out.toString())
                        .exitCode())
                .isZero();
        Path leftover = out.resolve("train/.metadata.jsonl.0b6d3c1e-4f0a-4e8e-9d3c-2a1b5c6d7e8f.tmp");
        Files.writeString(leftover, "half a file");

        assertThat(job.run("export", "--format", "imagefolder", "--to", out.toString())
                        .exitCode())
                .isZero();

        assertThat(leftover).doesNotExist();
    }

    private static void assertMembersOfASampleAreAdjacent(List<String> names) {
        List<String> keys = new ArrayList<>();
        for (String n : names) {
            String key = n.substring(0, n.indexOf('.'));
            if (keys.isEmpty() || !keys.get(keys.size() - 1).equals(key)) {
                assertThat(keys).as("members of %s are not adjacent", key).doesNotContain(key);
                keys.add(key);
            }
        }
    }

    /** The index gives each member's data as [offset, size] in the tar: read there, it is the member. */
    private static void checkIndex(Path shard, Map<String, Map<String, byte[]>> samples) throws IOException {
        String index = shard.getFileName().toString().replace(".tar", ".index.jsonl");
        List<String> lines = Files.readAllLines(shard.resolveSibling(index));
        assertThat(lines).hasSize(samples.size());
        try (RandomAccessFile raf = new RandomAccessFile(shard.toFile(), "r")) {
            for (String line : lines) {
                JsonNode entry = JSON.readTree(line);
                Map<String, byte[]> parts = samples.get(entry.path("key").asString());
                assertThat(parts).isNotNull();
                for (var member : entry.path("members").properties()) {
                    byte[] bytes = new byte[member.getValue().get(1).asInt()];
                    raf.seek(member.getValue().get(0).asLong());
                    raf.readFully(bytes);
                    assertThat(bytes).isEqualTo(parts.get(member.getKey()));
                }
            }
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        }
    }

    private static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> h = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                h.put(p.getFileName().toString(), ImageStore.sha256(Files.readAllBytes(p)));
            }
        }
        return h;
    }

    private static Map<String, Long> modificationTimes(Path dir) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                // Nanosecond time stamps: a copy, even of the same bytes, would change them.
                m.put(
                        dir.relativize(p).toString(),
                        Files.getLastModifiedTime(p).toInstant().toEpochMilli() * 1000
                                + Files.getLastModifiedTime(p).toInstant().getNano() % 1_000_000 / 1000);
            }
        }
        return m;
    }
}
