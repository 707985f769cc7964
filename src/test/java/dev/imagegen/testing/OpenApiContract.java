package dev.imagegen.testing;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A provider's published OpenAPI document (vendored under {@code src/test/resources/openapi/}, see its README) as a
 * validator of request bodies and response bodies, with a JSON Schema 2020-12 validator (networknt, OpenAPI 3.1
 * dialect).
 *
 * <p>Strict: the published schemas rarely say {@code additionalProperties: false}, so a misspelt or invented field
 * would pass them. Every object schema is therefore closed ({@code unevaluatedProperties: false}) unless it says
 * otherwise or is one branch of an {@code allOf}; a field the document does not declare is a violation. Fields that
 * the provider's guides document but its OpenAPI document omits are allowed one by one ({@link Builder#allow}), each
 * with where it is documented.
 *
 * <p>Reuse: {@link #requestViolations} and {@link #responseViolations} take any operation of the document by method
 * and path template match (e.g. {@code POST /batches}, {@code GET /files/file-abc}), so a new client or fake needs
 * no new code here — at most a new path in the vendored extract and an {@code allow} where a guide adds a field.
 */
public final class OpenApiContract {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
    private static volatile OpenApiContract openRouter;
    private static volatile OpenApiContract openAi;

    private final String name;
    private final ObjectNode document;
    private final SchemaRegistry registry;
    private final String iri;
    private final String fallbackError;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final List<Operation> operations = new ArrayList<>();

    /** One operation of the document: {@code POST /images}, with the regex its path template matches. */
    private record Operation(String method, String template, Pattern pattern) {}

    private OpenApiContract(String name, ObjectNode document, String fallbackError) {
        this.name = name;
        this.document = document;
        this.fallbackError = fallbackError;
        this.iri = "https://contract.imagegen.invalid/" + name + ".json";
        String text = JSON.writeValueAsString(document);
        this.registry = SchemaRegistry.withDialect(Dialects.getOpenApi31(), b -> b.schemas(Map.of(iri, text)));
        document.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(op -> {
                    if (METHODS.contains(op.getKey())) {
                        String regex = Pattern.quote(path.getKey()).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q");
                        operations.add(new Operation(op.getKey(), path.getKey(), Pattern.compile(regex)));
                    }
                }));
    }

    /** OpenRouter's {@code openapi.yaml}, whole, with the fields its guides add. */
    public static OpenApiContract openRouter() {
        if (openRouter == null) {
            synchronized (OpenApiContract.class) {
                if (openRouter == null) {
                    openRouter = new Builder(
                                    "openrouter",
                                    "/openapi/openrouter/openapi.yaml",
                                    "#/components/schemas/InternalServerResponse")
                            // api_reference/errors-and-debugging.mdx (mid-stream errors) and overview.mdx: a chat
                            // completion names the provider that served it and may carry an error in a 200.
                            .allow("/components/schemas/ChatResult", "provider", "error")
                            // api_reference/overview.mdx, NonStreamingChoice.
                            .allow("/components/schemas/ChatChoice", "native_finish_reason", "error")
                            // api_reference/overview.mdx, ResponseUsage.completion_tokens_details.
                            .allow("/components/schemas/ChatUsage/properties/completion_tokens_details", "image_tokens")
                            // The assistant's images are ContentPartImage-shaped: {type: image_url, image_url}.
                            .allow("/components/schemas/ChatAssistantImages/items", "type", "index")
                            // errors-and-debugging.mdx, "Model availability errors": additive fields of error.
                            .allowOnErrors("error_type", "http_status", "availability")
                            .build();
                }
            }
        }
        return openRouter;
    }

    /** The extract of OpenAI's document: Images (generations, edits), Files, Batches, Models. */
    public static OpenApiContract openAi() {
        if (openAi == null) {
            synchronized (OpenApiContract.class) {
                if (openAi == null) {
                    openAi = new Builder(
                                    "openai",
                                    "/openapi/openai/openapi-extract.json",
                                    "#/components/schemas/ErrorResponse")
                            .build();
                }
            }
        }
        return openAi;
    }

    /**
     * What the document says is wrong with a request body; empty when it conforms.
     *
     * @param path the path below the API root, e.g. {@code /chat/completions} (a query is ignored)
     */
    public List<String> requestViolations(String method, String path, String mediaType, JsonNode body) {
        Operation op = operation(method, path);
        if (op == null) {
            return List.of(name + ": " + method + " " + path + " is not an operation of the document");
        }
        String pointer = "/paths/" + escape(op.template()) + "/" + op.method() + "/requestBody/content/"
                + escape(mediaType) + "/schema";
        if (document.at(pointer).isMissingNode()) {
            return List.of(name + ": " + method + " " + op.template() + " takes no " + mediaType + " body");
        }
        return validate(pointer, body, method + " " + op.template() + " request");
    }

    /** What the document says is wrong with a response body; empty when it conforms. */
    public List<String> responseViolations(String method, String path, int status, String mediaType, JsonNode body) {
        Operation op = operation(method, path);
        if (op == null) {
            return List.of(name + ": " + method + " " + path + " is not an operation of the document");
        }
        String pointer = responseSchema(op, status, mediaType);
        if (pointer == null) {
            return List.of(name + ": " + method + " " + op.template() + " documents no " + status + " " + mediaType
                    + " response");
        }
        return validate(pointer, body, method + " " + op.template() + " " + status + " response");
    }

    /** @throws AssertionError listing every violation */
    public void assertRequest(String method, String path, JsonNode body) {
        fail(requestViolations(method, path, "application/json", body));
    }

    /** @throws AssertionError listing every violation */
    public void assertResponse(String method, String path, int status, JsonNode body) {
        fail(responseViolations(method, path, status, "application/json", body));
    }

    private static void fail(List<String> violations) {
        if (!violations.isEmpty()) {
            throw new AssertionError(String.join("\n", violations));
        }
    }

    /**
     * The declared response for the status; an error status the operation does not list is checked against the
     * same status of another operation (the providers share one error envelope), else the document's generic error.
     */
    private String responseSchema(Operation op, int status, String mediaType) {
        String own = "/paths/" + escape(op.template()) + "/" + op.method() + "/responses/";
        for (String key : List.of(String.valueOf(status), status / 100 + "XX", "default")) {
            String pointer = own + escape(key) + "/content/" + escape(mediaType) + "/schema";
            if (!document.at(pointer).isMissingNode()) {
                return pointer;
            }
        }
        if (status < 400) {
            return null;
        }
        for (Operation other : operations) {
            String pointer = "/paths/" + escape(other.template()) + "/" + other.method() + "/responses/" + status
                    + "/content/" + escape(mediaType) + "/schema";
            if (!document.at(pointer).isMissingNode()) {
                return pointer;
            }
        }
        return fallbackError.substring(1);
    }

    private Operation operation(String method, String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        Operation best = null;
        for (Operation op : operations) {
            if (op.method().equalsIgnoreCase(method) && op.pattern().matcher(p).matches()) {
                // A literal template (/batches/{id}/cancel vs /files/{id}) beats one with more parameters.
                if (best == null || params(op.template()) < params(best.template())) {
                    best = op;
                }
            }
        }
        return best;
    }

    private static int params(String template) {
        return template.split("\\{", -1).length - 1;
    }

    private List<String> validate(String pointer, JsonNode instance, String what) {
        Schema schema = schemas.computeIfAbsent(pointer, p -> {
            Schema s = registry.getSchema(SchemaLocation.of(iri + "#" + p));
            s.initializeValidators();
            return s;
        });
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(instance)) {
            out.add(name + ": " + what + ": " + e.getInstanceLocation() + ": " + e.getMessage());
        }
        return out;
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** Loads a vendored document, adds the allowed fields and closes its object schemas. */
    static final class Builder {
        private final String name;
        private final ObjectNode document;
        private final String fallbackError;

        Builder(String name, String resource, String fallbackError) {
            this.name = name;
            this.fallbackError = fallbackError;
            try (InputStream in = OpenApiContract.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + resource);
                }
                this.document = (ObjectNode)
                        (resource.endsWith(".json")
                                ? JSON.readTree(in)
                                : YAMLMapper.builder().build().readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Fields a guide documents on the schema at this JSON pointer that the OpenAPI document leaves out. */
        Builder allow(String pointer, String... fields) {
            JsonNode schema = document.at(pointer);
            if (!(schema instanceof ObjectNode object)) {
                throw new IllegalStateException(name + ": no schema at " + pointer);
            }
            ObjectNode properties =
                    object.has("properties") ? (ObjectNode) object.get("properties") : object.putObject("properties");
            for (String f : fields) {
                if (properties.has(f)) {
                    throw new IllegalStateException(
                            name + ": " + pointer + " already declares " + f + "; drop the allowance");
                }
                properties.putObject(f);
            }
            return this;
        }

        /** The same fields on the {@code error} object of every error response ({@code *ResponseErrorData}). */
        Builder allowOnErrors(String... fields) {
            List<String> names = new ArrayList<>();
            document.path("components").path("schemas").propertyNames().forEach(names::add);
            for (String n : names) {
                if (n.endsWith("ResponseErrorData")) {
                    allow("/components/schemas/" + n, fields);
                }
            }
            return this;
        }

        OpenApiContract build() {
            Set<String> open = new HashSet<>();
            collectOpenMembers(document, open);
            document.path("components")
                    .path("schemas")
                    .properties()
                    .forEach(e -> close(e.getValue(), !open.contains("#/components/schemas/" + e.getKey())));
            document.path("paths")
                    .properties()
                    .forEach(path -> path.getValue().properties().forEach(op -> {
                        if (METHODS.contains(op.getKey())) {
                            op.getValue()
                                    .path("requestBody")
                                    .path("content")
                                    .forEach(c -> close(c.path("schema"), true));
                            op.getValue()
                                    .path("responses")
                                    .forEach(r -> r.path("content").forEach(c -> close(c.path("schema"), true)));
                        }
                    }));
            return new OpenApiContract(name, document, fallbackError);
        }

        /**
         * The {@code $ref}s that are one part of a larger object: members of an {@code allOf}, or of an
         * {@code anyOf}/{@code oneOf} next to {@code properties}. Closing those would reject the other parts' fields.
         */
        private static void collectOpenMembers(JsonNode node, Set<String> open) {
            if (node instanceof ObjectNode object) {
                addRefs(object.get("allOf"), open);
                if (object.has("properties")) {
                    addRefs(object.get("anyOf"), open);
                    addRefs(object.get("oneOf"), open);
                }
                object.forEach(child -> collectOpenMembers(child, open));
            } else if (node instanceof ArrayNode array) {
                array.forEach(child -> collectOpenMembers(child, open));
            }
        }

        private static void addRefs(JsonNode members, Set<String> open) {
            if (members instanceof ArrayNode array) {
                array.forEach(m -> {
                    if (m.path("$ref").isString()) {
                        open.add(m.path("$ref").asString());
                    }
                });
            }
        }

        /** Walks a schema; object schemas that may be closed get {@code unevaluatedProperties: false}. */
        private static void close(JsonNode node, boolean closable) {
            if (!(node instanceof ObjectNode s) || s.has("$ref") && s.size() == 1) {
                return;
            }
            if (s.get("properties") instanceof ObjectNode properties) {
                properties.forEach(p -> close(p, true));
            }
            for (String k : List.of("items", "not", "contains", "if", "then", "else", "propertyNames")) {
                close(s.get(k), true);
            }
            if (s.get("additionalProperties") instanceof ObjectNode additional) {
                close(additional, true);
            }
            if (s.get("prefixItems") instanceof ArrayNode prefix) {
                prefix.forEach(p -> close(p, true));
            }
            if (s.get("allOf") instanceof ArrayNode all) {
                all.forEach(m -> close(m, false));
            }
            for (String k : List.of("anyOf", "oneOf")) {
                if (s.get(k) instanceof ArrayNode any) {
                    any.forEach(m -> close(m, !s.has("properties")));
                }
            }
            boolean objectLike = s.has("properties")
                    || s.has("allOf") && s.get("allOf").size() > 0 && describesObject(s.get("allOf"));
            if (closable
                    && objectLike
                    && !s.has("additionalProperties")
                    && !s.has("unevaluatedProperties")
                    && !s.has("patternProperties")) {
                // A required field is declared, even where the document forgot to list it among the properties.
                if (s.get("required") instanceof ArrayNode required) {
                    ObjectNode properties =
                            s.has("properties") ? (ObjectNode) s.get("properties") : s.putObject("properties");
                    required.forEach(r -> {
                        if (!properties.has(r.asString())) {
                            properties.putObject(r.asString());
                        }
                    });
                }
                s.put("unevaluatedProperties", false);
            }
        }

        private static boolean describesObject(JsonNode members) {
            for (Iterator<JsonNode> it = members.iterator(); it.hasNext(); ) {
                JsonNode m = it.next();
                if (m.has("$ref") || m.has("properties")) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public String toString() {
        return "OpenApiContract[" + name + ", " + operations.size() + " operations]";
    }

    /** For tests of the contract itself. */
    Map<String, String> operationsByTemplate() {
        Map<String, String> out = new LinkedHashMap<>();
        operations.forEach(o -> out.put(
                o.method().toUpperCase(java.util.Locale.ROOT) + " " + o.template(),
                o.pattern().pattern()));
        return out;
    }
}
