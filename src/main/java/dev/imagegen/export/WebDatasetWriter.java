package dev.imagegen.export;

import dev.imagegen.catalog.ImageRecord;
import dev.imagegen.support.DurableFiles;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * WebDataset shards {@code <dataset>-000000.tar}, … : each sample is {@code <key>.<png|jpg|webp>}, {@code <key>.txt}
 * (the prompt) and {@code <key>.json} (the metadata), its members next to each other, keys without dots. A shard
 * closes at {@code shardSamples} samples or before it would pass {@code shardBytes}. Beside each shard,
 * {@code <shard>.index.jsonl} gives every sample's members as [offset, size] of their data in the tar, for random
 * access; {@code <dataset>.shards.json} lists the shards and their sample counts (the wids shard-index layout).
 *
 * <p>Entries are plain ustar with fixed owner, mode and the image's creation time, so the same rows give the same
 * bytes: a repeated export is byte-identical.
 */
final class WebDatasetWriter implements ExportWriter {

    private static final int BLOCK = 512;

    private final Path dir;
    private final String dataset;
    private final SampleMetadata metadata;
    private final JsonMapper json;
    private final int shardSamples;
    private final long shardBytes;
    private final List<ObjectNode> shardList = new ArrayList<>();
    private Shard shard;
    private int shards;
    private long bytes;
    private boolean finished;

    WebDatasetWriter(Path dir, String dataset, SampleMetadata metadata, int shardSamples, long shardBytes)
            throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.dataset = dataset;
        this.metadata = metadata;
        this.json = metadata.json();
        this.shardSamples = shardSamples;
        this.shardBytes = shardBytes;
    }

    static String shardName(String dataset, int n) {
        return String.format("%s-%06d.tar", dataset, n);
    }

    static String indexName(String shardName) {
        return shardName.substring(0, shardName.length() - 4) + ".index.jsonl";
    }

    @Override
    public void add(ImageRecord record, Path image) throws IOException {
        String key = SampleMetadata.key(record);
        byte[] txt = SampleMetadata.caption(record).getBytes(StandardCharsets.UTF_8);
        byte[] meta = metadata.line(metadata.of(record)).getBytes(StandardCharsets.UTF_8);
        long imageSize = Files.size(image);
        long sampleBytes = stored(imageSize) + stored(txt.length) + stored(meta.length);
        if (shard != null && (shard.samples >= shardSamples || shard.position + sampleBytes > shardBytes)) {
            closeShard();
        }
        if (shard == null) {
            shard = new Shard(shardName(dataset, shards++));
        }
        ObjectNode index = json.createObjectNode();
        index.put("key", key);
        index.put("offset", shard.position);
        ObjectNode members = index.putObject("members");
        long stamp = record.createdAt().toEpochMilli();
        String ext = SampleMetadata.extension(record);
        try (InputStream in = Files.newInputStream(image)) {
            member(members, ext, key + "." + ext, imageSize, stamp, in, null);
        }
        member(members, "txt", key + ".txt", txt.length, stamp, null, txt);
        member(members, "json", key + ".json", meta.length, stamp, null, meta);
        index.put("size", shard.position - index.get("offset").asLong());
        shard.index.write(json.writeValueAsString(index));
        shard.index.write('\n');
        shard.samples++;
        bytes += imageSize;
    }

    /** A member's footprint in the tar: a header block plus its data padded to whole blocks. */
    private static long stored(long size) {
        return BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private void member(
            ObjectNode members, String ext, String name, long size, long stampMillis, InputStream in, byte[] data)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(size);
        entry.setMode(0100644);
        entry.setModTime(stampMillis);
        entry.setIds(0, 0);
        entry.setNames("", "");
        shard.tar.putArchiveEntry(entry);
        if (in != null) {
            in.transferTo(shard.tar);
        } else {
            shard.tar.write(data);
        }
        shard.tar.closeArchiveEntry();
        ArrayNode where = members.putArray(ext);
        where.add(shard.position + BLOCK);
        where.add(size);
        shard.position += stored(size);
    }

    private void closeShard() throws IOException {
        shard.tar.finish();
        shard.tar.close();
        shard.index.close();
        DurableFiles.moveIntoPlace(shard.tarTmp, dir.resolve(shard.name));
        DurableFiles.moveIntoPlace(shard.indexTmp, dir.resolve(indexName(shard.name)));
        ObjectNode entry = json.createObjectNode();
        entry.put("url", shard.name);
        entry.put("nsamples", shard.samples);
        entry.put("filesize", Files.size(dir.resolve(shard.name)));
        shardList.add(entry);
        shard = null;
    }

    @Override
    public void finish() throws IOException {
        if (shard != null) {
            closeShard();
        }
        removeShardsFrom(shards);
        ObjectNode list = json.createObjectNode();
        list.put("__kind__", "wids-shard-index-v1");
        list.put("wids_version", 1);
        list.put("name", dataset);
        ArrayNode shardArray = list.putArray("shardlist");
        shardList.forEach(shardArray::add);
        Path target = dir.resolve(dataset + ".shards.json");
        Path tmp = DurableFiles.tempFor(target);
        Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(list) + "\n");
        DurableFiles.moveIntoPlace(tmp, target);
        finished = true;
    }

    /** An earlier export of the same selection may have had more shards. */
    private void removeShardsFrom(int first) throws IOException {
        Pattern own = Pattern.compile(Pattern.quote(dataset) + "-(\\d{6})\\.(tar|index\\.jsonl)");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Matcher m = own.matcher(f.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) >= first) {
                    Files.delete(f);
                }
            }
        }
    }

    @Override
    public int files() {
        return shards;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() throws IOException {
        if (!finished && shard != null) {
            shard.tar.close();
            shard.index.close();
            Files.deleteIfExists(shard.tarTmp);
            Files.deleteIfExists(shard.indexTmp);
        }
    }

    /** The shard being written, under temporary names until it is complete. */
    private final class Shard {
        final String name;
        final Path tarTmp;
        final Path indexTmp;
        final TarArchiveOutputStream tar;
        final BufferedWriter index;
        long position;
        int samples;

        Shard(String name) throws IOException {
            this.name = name;
            this.tarTmp = DurableFiles.tempFor(dir.resolve(name));
            this.indexTmp = DurableFiles.tempFor(dir.resolve(indexName(name)));
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(tarTmp), 1 << 16);
            this.tar = new TarArchiveOutputStream(out, "UTF-8");
            // Keys are at most ~90 characters, so plain ustar names suffice; fail loudly rather than write a
            // long-name extension some readers mishandle.
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_ERROR);
            this.index = Files.newBufferedWriter(indexTmp, StandardCharsets.UTF_8);
        }
    }
}
