package dev.imagegen.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a job file in two stages: the YAML tree ({@code --set} overrides, {@code ${ENV}} expansion) bound to a
 * {@link RawJobFile}, then defaults and validation section by section ({@link ModelSection}, {@link SourceSection},
 * {@link RunSection}, {@link ScheduleSection}, {@link MetricsSection}, {@link NotifySection}, each reading its keys
 * through {@link FieldValues}) into {@link JobSpec} records. Every problem is a {@link JobFileException} that names
 * the field and the fix.
 */
public final class JobSpecLoader {

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern DATASET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final YAMLMapper yaml = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private final UnaryOperator<String> env;

    public JobSpecLoader() {
        this(System::getenv);
    }

    public JobSpecLoader(UnaryOperator<String> env) {
        this.env = env;
    }

    public JobSpec load(Path file, List<String> overrides) {
        Path jobFile = file.toAbsolutePath().normalize();
        JsonNode tree = readTree(jobFile);
        if (!(tree instanceof ObjectNode root)) {
            throw new JobFileException(
                    file + ": a job file is a YAML mapping with keys dataset, source, model, run " + "and output");
        }
        for (String override : overrides) {
            applyOverride(root, override);
        }
        expandEnvironment(root, "");
        RawJobFile raw = bind(file, root);
        return validate(jobFile, raw);
    }

    private JsonNode readTree(Path file) {
        try {
            return yaml.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new JobFileException(
                    "job file " + file + " not found; give the path of a YAML job file, " + "e.g. jobs/demo.yml");
        } catch (IOException e) {
            throw new JobFileException("job file " + file + " cannot be read: " + e.getMessage());
        } catch (JacksonException e) {
            throw new JobFileException("job file " + file + " is not valid YAML: " + e.getOriginalMessage());
        }
    }

    /** {@code --set model.seed=9}: creates intermediate mappings; the value is typed like a YAML scalar. */
    private static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new JobFileException("--set " + override + ": write KEY=VALUE, e.g. --set run.concurrency=16");
        }
        String[] path = override.substring(0, eq).strip().split("\\.");
        String value = override.substring(eq + 1);
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(path[i]);
            }
            node = (ObjectNode) child;
        }
        String leaf = path[path.length - 1];
        if (value.matches("-?\\d{1,18}")) {
            node.put(leaf, Long.parseLong(value));
        } else if (value.matches("-?\\d+\\.\\d+")) {
            node.put(leaf, Double.parseDouble(value));
        } else if (value.equals("true") || value.equals("false")) {
            node.put(leaf, Boolean.parseBoolean(value));
        } else if (value.equals("null") || value.equals("~")) {
            node.putNull(leaf);
        } else {
            node.put(leaf, value);
        }
    }

    private void expandEnvironment(JsonNode node, String path) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> e : new ArrayList<>(object.properties())) {
                String field = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getValue() instanceof StringNode s) {
                    object.put(e.getKey(), expand(field, s.stringValue()));
                } else {
                    expandEnvironment(e.getValue(), field);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i) instanceof StringNode s) {
                    array.set(i, StringNode.valueOf(expand(path + "[" + i + "]", s.stringValue())));
                } else {
                    expandEnvironment(array.get(i), path + "[" + i + "]");
                }
            }
        }
    }

    private String expand(String field, String text) {
        Matcher m = ENV_REF.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null || value.isEmpty()) {
                value = m.group(2);
            }
            if (value == null) {
                // An unset key is reported where it matters (run without --dry-run); anything else is an error now.
                if (!field.equals("model.api-key")) {
                    throw new JobFileException(field + ": environment variable " + m.group(1) + " is not set; "
                            + "export it or write ${" + m.group(1) + ":-default}");
                }
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private RawJobFile bind(Path file, ObjectNode root) {
        try {
            return yaml.treeToValue(root, RawJobFile.class);
        } catch (UnrecognizedPropertyException e) {
            String field = fieldOf(e);
            String known = e.getKnownPropertyIds() == null
                    ? ""
                    : e.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .sorted()
                            .collect(Collectors.joining(", "));
            throw new JobFileException(file + ": unknown key '" + field + "'"
                    + (known.isEmpty() ? "" : "; the keys allowed there are: " + known));
        } catch (JacksonException e) {
            throw new JobFileException(file + ": " + fieldOf(e) + " has the wrong type: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    private static String fieldOf(JacksonException e) {
        StringBuilder field = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                field.append(field.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                field.append('[').append(ref.getIndex()).append(']');
            }
        }
        return field.toString();
    }

    /** Stage two: defaults and checks, one section at a time, in the order their errors are reported. */
    private JobSpec validate(Path jobFile, RawJobFile raw) {
        Path baseDir = jobFile.getParent();
        String dataset = FieldValues.require("dataset", raw.dataset(), "name the dataset, e.g. dataset: products");
        if (!DATASET_NAME.matcher(dataset).matches()) {
            throw new JobFileException("dataset: '" + dataset + "' is not a valid name; use letters, digits, "
                    + "'.', '_' or '-' (at most 64, starting with a letter or digit)");
        }
        ModelSpec model = ModelSection.read(raw.model());
        RunSpec run = RunSection.read(raw.run());
        if (model.isBatch() && run.remote()) {
            throw new JobFileException("run.workers: remote does not apply to provider openai-batch (the "
                    + "provider runs the requests; this process only submits and collects); use local");
        }
        return new JobSpec(
                jobFile,
                dataset,
                SourceSection.read(raw.source(), baseDir),
                model,
                run,
                output(baseDir, dataset, raw.output()),
                ScheduleSection.read(raw.schedule()),
                MetricsSection.read(raw.metrics(), baseDir, env),
                NotifySection.read(raw.notice()));
    }

    private static OutputSpec output(Path baseDir, String dataset, RawJobFile.Output o) {
        String dir = o == null || o.dir() == null ? "out/" + dataset : o.dir();
        return new OutputSpec(baseDir.resolve(dir).normalize());
    }
}
