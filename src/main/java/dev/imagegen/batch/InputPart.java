package dev.imagegen.batch;

import dev.imagegen.spec.BatchSpec;
import dev.imagegen.support.Sha256;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A batch being written by the submit step: its input file ({@code <intent>.jsonl} in the staging directory, one
 * {@link #line request line} each), its requests and their estimated cost, within {@code model.batch}'s limits.
 */
final class InputPart {

    final String endpoint;
    final String intent;
    final List<Batches.PlannedRequest> requests = new ArrayList<>();
    private final BatchSpec limits;
    private final FileOutputStream file;
    private final OutputStream out;
    long bytes;
    private double estimate;

    InputPart(Path dir, BatchSpec limits, String endpoint, String intent) throws IOException {
        this.endpoint = endpoint;
        this.intent = intent;
        this.limits = limits;
        Files.createDirectories(dir);
        this.file = new FileOutputStream(dir.resolve(intent + ".jsonl").toFile());
        this.out = new BufferedOutputStream(file, 1 << 16);
    }

    boolean fits(int lineBytes) {
        return requests.size() < limits.maxRequests() && bytes + lineBytes <= limits.maxFileBytes();
    }

    void add(Batches.PlannedRequest request, byte[] line, double cost) throws IOException {
        out.write(line);
        requests.add(request);
        bytes += line.length;
        estimate += cost;
    }

    double estimate() {
        return estimate;
    }

    /** Flushed and synced: the intent that names this file is committed next. */
    void close() throws IOException {
        out.flush();
        file.getFD().sync();
        out.close();
    }

    /** One line of an input file: {@code {custom_id, method, url, body}}. */
    static byte[] line(JsonMapper json, String customId, String endpoint, ObjectNode body) {
        ObjectNode line = json.createObjectNode();
        line.put("custom_id", customId);
        line.put("method", "POST");
        line.put("url", endpoint);
        line.set("body", body);
        byte[] bytes = json.writeValueAsBytes(line);
        byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
        withNewline[bytes.length] = '\n';
        return withNewline;
    }

    /** A stable id of (dataset, prompt, variant, request hash): the same request always has the same custom_id. */
    static String customId(String dataset, Batches.RequestKey key) {
        String canonical = dataset + "\n" + key.promptId() + "\n" + key.variant() + "\n" + key.requestHash();
        return "ig-" + Sha256.hex(canonical).substring(0, 40);
    }
}
