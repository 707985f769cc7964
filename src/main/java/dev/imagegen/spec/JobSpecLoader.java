package dev.imagegen.spec;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * Reads a job file: YAML → {@code --set} overrides → {@code ${ENV}} expansion → binding → defaults and validation.
 * Every problem is a {@link JobFileException} that names the field and the fix.
 */
public final class JobSpecLoader {

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final List<String> PROVIDERS = List.of(
            ModelSpec.OPENROUTER,
            ModelSpec.OPENROUTER_IMAGES,
            ModelSpec.OPENAI,
            ModelSpec.OPENAI_BATCH,
            ModelSpec.PLACEHOLDER);
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
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
        return new SpecDefaults(jobFile, env).apply(raw);
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

    /** Defaults and checks, kept apart from parsing so each rule reads as one line. */
    private static final class SpecDefaults {

        private final Path jobFile;
        private final Path baseDir;
        private final UnaryOperator<String> env;

        SpecDefaults(Path jobFile, UnaryOperator<String> env) {
            this.jobFile = jobFile;
            this.baseDir = jobFile.getParent();
            this.env = env;
        }

        JobSpec apply(RawJobFile raw) {
            String dataset = require("dataset", raw.dataset(), "name the dataset, e.g. dataset: products");
            if (!DATASET_NAME.matcher(dataset).matches()) {
                throw new JobFileException("dataset: '" + dataset + "' is not a valid name; use letters, digits, "
                        + "'.', '_' or '-' (at most 64, starting with a letter or digit)");
            }
            ModelSpec model = model(raw.model());
            RunSpec run = run(raw.run());
            if (model.isBatch() && run.remote()) {
                throw new JobFileException("run.workers: remote does not apply to provider openai-batch (the "
                        + "provider runs the requests; this process only submits and collects); use local");
            }
            return new JobSpec(
                    jobFile,
                    dataset,
                    source(raw.source()),
                    model,
                    run,
                    output(dataset, raw.output()),
                    schedule(raw.schedule()),
                    metrics(raw.metrics()),
                    notifications(raw.notice()));
        }

        /** {@code metrics:}; without {@code metrics.pushgateway}, {@code IMAGEGEN_PUSHGATEWAY} names the gateway. */
        private MetricsSpec metrics(RawJobFile.Metrics m) {
            RawJobFile.Metrics metrics = m != null ? m : new RawJobFile.Metrics(null, null, null, null, null);
            String gateway = blankToNull(metrics.pushgateway());
            String field = "metrics.pushgateway";
            if (gateway == null) {
                gateway = blankToNull(env.apply("IMAGEGEN_PUSHGATEWAY"));
                field = "IMAGEGEN_PUSHGATEWAY";
            }
            URI pushgateway = gateway == null ? null : httpUrl(field, gateway, "http://pushgateway.example.org:9091");
            String job = metrics.job() == null
                    ? MetricsSpec.DEFAULT_JOB
                    : metrics.job().strip();
            if (!job.matches("[A-Za-z_][A-Za-z0-9_.-]{0,63}")) {
                throw new JobFileException("metrics.job: '" + job + "' is not a job name; use letters, digits, "
                        + "'_', '.' or '-', e.g. imagegen");
            }
            Duration interval = metrics.interval() == null
                    ? MetricsSpec.DEFAULT_INTERVAL
                    : Durations.parse("metrics.interval", metrics.interval());
            if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new JobFileException(
                        "metrics.interval: " + metrics.interval() + " is too short; at least 1s, " + "e.g. 30s");
            }
            Duration timeout = positiveDuration("metrics.timeout", metrics.timeout(), MetricsSpec.DEFAULT_TIMEOUT);
            Path textfile = metrics.textfile() == null || metrics.textfile().isBlank()
                    ? null
                    : baseDir.resolve(metrics.textfile().strip()).normalize();
            if (textfile != null && Files.exists(textfile) && !Files.isDirectory(textfile)) {
                throw new JobFileException("metrics.textfile: " + textfile + " is a file; name the directory "
                        + "node_exporter's --collector.textfile.directory reads, e.g. /var/lib/node_exporter/textfile");
            }
            return new MetricsSpec(pushgateway, job, interval, textfile, timeout);
        }

        private static NotifySpec notifications(RawJobFile.Notify n) {
            if (n == null || n.webhook() == null || n.webhook().isBlank()) {
                if (n != null && n.timeout() != null) {
                    positiveDuration("notify.timeout", n.timeout(), NotifySpec.DEFAULT_TIMEOUT);
                }
                return NotifySpec.none();
            }
            // Checked without ever printing it: the URL of a Slack webhook is its secret.
            URI webhook;
            try {
                webhook = URI.create(n.webhook().strip());
            } catch (IllegalArgumentException e) {
                webhook = null;
            }
            if (webhook == null
                    || !"http".equals(webhook.getScheme()) && !"https".equals(webhook.getScheme())
                    || webhook.getHost() == null) {
                throw new JobFileException("notify.webhook: not an http(s) URL; e.g. "
                        + "https://hooks.slack.com/services/... (from the environment: webhook: \"${SLACK_WEBHOOK}\")");
            }
            return new NotifySpec(
                    Secret.of(n.webhook()),
                    positiveDuration("notify.timeout", n.timeout(), NotifySpec.DEFAULT_TIMEOUT));
        }

        private static Duration positiveDuration(String field, String text, Duration fallback) {
            if (text == null) {
                return fallback;
            }
            Duration d = Durations.parse(field, text);
            if (d.isZero()) {
                throw new JobFileException(field + ": must be more than 0, e.g. 5s");
            }
            return d;
        }

        private static URI httpUrl(String field, String text, String example) {
            String url = text.strip();
            try {
                URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            // user:password@ in the URL is for basic auth: never printed
            throw new JobFileException(field + ": '" + url.replaceFirst("//[^/@]*@", "//****@")
                    + "' is not an http(s) URL; e.g. " + example);
        }

        private SourceSpec source(RawJobFile.Source s) {
            if (s == null || s.csv() == null && s.jdbc() == null) {
                throw new JobFileException("source: missing; name the CSV or TSV file of prompts, relative to the "
                        + "job file, e.g. source: { csv: prompts.csv }, or a database query with source.jdbc: "
                        + "{ url, user, password, query }");
            }
            if (s.csv() != null && s.jdbc() != null) {
                throw new JobFileException("source: give either source.csv or source.jdbc, not both");
            }
            String promptColumn = s.promptColumn() == null ? "prompt" : s.promptColumn();
            int maxLength = positive("source.max-prompt-length", s.maxPromptLength(), 32_000);
            if (s.jdbc() != null) {
                for (String[] csvOnly :
                        new String[][] {{"delimiter", s.delimiter()}, {"quote", s.quote()}, {"encoding", s.encoding()}
                        }) {
                    if (csvOnly[1] != null) {
                        throw new JobFileException("source." + csvOnly[0] + ": only applies to source.csv; remove "
                                + "it when the prompts come from source.jdbc");
                    }
                }
                return new SourceSpec(
                        null,
                        ',',
                        null,
                        java.nio.charset.StandardCharsets.UTF_8,
                        blankToNull(s.idColumn()),
                        promptColumn,
                        maxLength,
                        blankToNull(s.referenceColumn()),
                        referenceSeparator(s.referenceSeparator()),
                        jdbc(s.jdbc()),
                        referenceRoot(s.referenceRoot()));
            }
            Path csv = baseDir.resolve(s.csv()).normalize();
            if (!Files.isRegularFile(csv)) {
                throw new JobFileException("source.csv: file " + csv + " not found; paths are relative to the job "
                        + "file's directory (" + baseDir + ")");
            }
            boolean tsv = csv.getFileName().toString().toLowerCase().endsWith(".tsv");
            char delimiter = delimiter(s.delimiter(), tsv);
            Character quote = quote(s.quote(), tsv);
            Charset encoding;
            try {
                encoding = Charset.forName(s.encoding() == null ? "UTF-8" : s.encoding());
            } catch (RuntimeException e) {
                throw new JobFileException("source.encoding: '" + s.encoding() + "' is not a known charset; "
                        + "use e.g. UTF-8 or ISO-8859-1");
            }
            return new SourceSpec(
                    csv,
                    delimiter,
                    quote,
                    encoding,
                    blankToNull(s.idColumn()),
                    promptColumn,
                    maxLength,
                    blankToNull(s.referenceColumn()),
                    referenceSeparator(s.referenceSeparator()),
                    null,
                    referenceRoot(s.referenceRoot()));
        }

        /** Local reference images are read only from inside this directory (and never through a link out of it). */
        private Path referenceRoot(String text) {
            if (text == null) {
                return baseDir;
            }
            Path root = baseDir.resolve(text.strip()).normalize();
            if (text.isBlank() || !Files.isDirectory(root)) {
                throw new JobFileException("source.reference-root: " + root + " is not a directory; name the "
                        + "directory that holds the reference images (relative to the job file), or leave it out to "
                        + "use the job file's directory");
            }
            return root;
        }

        private static String referenceSeparator(String text) {
            if (text == null) {
                return "|";
            }
            if (text.isEmpty() || text.isBlank()) {
                throw new JobFileException(
                        "source.reference-separator: must not be empty or blank; e.g. \"|\" or " + "\";\"");
            }
            return text;
        }

        private static JdbcSourceSpec jdbc(RawJobFile.Jdbc j) {
            String url = require(
                    "source.jdbc.url",
                    j.url(),
                    "name the source database, e.g. " + "url: jdbc:postgresql://db.example.com:5432/catalog");
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new JobFileException("source.jdbc.url: '" + JdbcSourceSpec.withoutSecrets(url) + "' is not a "
                        + "PostgreSQL JDBC URL; write jdbc:postgresql://HOST:PORT/DATABASE (PostgreSQL is the "
                        + "database this job ships a driver for)");
            }
            String query = require(
                    "source.jdbc.query",
                    j.query(),
                    "write the SELECT that returns the prompts, "
                            + "e.g. query: SELECT id, description AS prompt, category FROM product ORDER BY id");
            query = query.strip();
            while (query.endsWith(";")) {
                query = query.substring(0, query.length() - 1).strip();
            }
            int fetchSize = positive("source.jdbc.fetch-size", j.fetchSize(), 1000);
            return new JdbcSourceSpec(url, blankToNull(j.user()), Secret.of(j.password()), query, fetchSize);
        }

        private static ScheduleSpec schedule(RawJobFile.Schedule s) {
            if (s == null) {
                return ScheduleSpec.none();
            }
            java.time.ZoneId zone;
            try {
                zone = s.zone() == null
                        ? java.time.ZoneId.systemDefault()
                        : java.time.ZoneId.of(s.zone().strip());
            } catch (java.time.DateTimeException e) {
                throw new JobFileException("schedule.zone: '" + s.zone() + "' is not a time zone; use a region "
                        + "such as Europe/Berlin, America/New_York or UTC");
            }
            if (s.cron() == null || s.cron().isBlank()) {
                return new ScheduleSpec(true, null, null, zone);
            }
            String cron = s.cron().strip();
            // Unix cron has 5 fields; Spring's CronExpression wants seconds first.
            String sixFields = cron.startsWith("@") || cron.split("\\s+").length != 5 ? cron : "0 " + cron;
            try {
                return new ScheduleSpec(
                        true, cron, org.springframework.scheduling.support.CronExpression.parse(sixFields), zone);
            } catch (IllegalArgumentException e) {
                throw new JobFileException("schedule.cron: '" + cron + "' is not a cron expression (" + e.getMessage()
                        + "); write minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" for 02:00 "
                        + "every night");
            }
        }

        private static char delimiter(String text, boolean tsv) {
            if (text == null) {
                return tsv ? '\t' : ',';
            }
            String t = text.equals("\\t") || text.equalsIgnoreCase("tab") ? "\t" : text;
            if (t.length() != 1) {
                throw new JobFileException("source.delimiter: '" + text + "' must be one character, e.g. \",\", "
                        + "\";\" or \"\\t\" (tab)");
            }
            return t.charAt(0);
        }

        private static Character quote(String text, boolean tsv) {
            if (text == null) {
                return tsv ? null : '"';
            }
            if (text.isEmpty() || text.equalsIgnoreCase("none")) {
                return null;
            }
            if (text.length() != 1) {
                throw new JobFileException("source.quote: '" + text + "' must be one character or none");
            }
            return text.charAt(0);
        }

        private ModelSpec model(RawJobFile.Model m) {
            RawJobFile.Model model = m != null
                    ? m
                    : new RawJobFile.Model(
                            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                            null, null, null, null, null, null);
            String provider = model.provider() == null ? ModelSpec.OPENROUTER : model.provider();
            if (!PROVIDERS.contains(provider)) {
                throw new JobFileException("model.provider: '" + provider + "' is not supported; use one of "
                        + String.join(", ", PROVIDERS));
            }
            boolean openAi = provider.equals(ModelSpec.OPENAI) || provider.equals(ModelSpec.OPENAI_BATCH);
            String name = model.name() != null ? model.name() : openAi ? "gpt-image-2" : "openai/gpt-5.4-image-2";
            URI baseUrl = baseUrl(
                    model.baseUrl() != null
                            ? model.baseUrl()
                            : openAi ? "https://api.openai.com/v1" : "https://openrouter.ai/api/v1");
            if (!provider.equals(ModelSpec.PLACEHOLDER)) {
                requireTls(baseUrl, Boolean.TRUE.equals(model.allowInsecureHttp()));
            }
            int images = positive("model.images-per-prompt", model.imagesPerPrompt(), 1);
            if (images > 16) {
                throw new JobFileException("model.images-per-prompt: " + images + " is too many; at most 16");
            }
            String template = model.promptTemplate() == null ? "{prompt}" : model.promptTemplate();
            Map<String, Object> imageConfig =
                    model.imageConfig() == null ? Map.of() : new LinkedHashMap<>(model.imageConfig());
            int maxTokens = positive("model.max-tokens", model.maxTokens(), 4096);
            Duration timeout = model.timeout() == null
                    ? Duration.ofSeconds(180)
                    : Durations.parse("model.timeout", model.timeout());
            ModelSpec.Pricing pricing = pricing(model.pricing(), openAi ? OpenAiPrices.of(name) : null);
            long maxResponse = model.maxResponseSize() == null
                    ? 64L << 20
                    : Durations.parseSize("model.max-response-size", model.maxResponseSize());
            List<String> fallbacks = fallbackModels(provider, model.fallbackModels());
            Map<String, Object> routing = providerRouting(provider, model.providerRouting());
            int perCall = imagesPerCall(provider, model.imagesPerCall(), images);
            return new ModelSpec(
                    provider,
                    name,
                    baseUrl,
                    Secret.of(model.apiKey()),
                    images,
                    template,
                    imageConfig,
                    model.seed(),
                    maxTokens,
                    timeout,
                    model.referer(),
                    model.title() == null ? "imagegen-batch" : model.title(),
                    pricing,
                    maxResponse,
                    fallbacks,
                    routing,
                    perCall,
                    modalities(provider, model.modalities()),
                    tokenField(provider, model.maxTokensParameter()),
                    batch(provider, model.batch()));
        }

        /** {@code model.batch}: only for the openai-batch provider; every key has a default. */
        private static BatchSpec batch(String provider, RawJobFile.Batch b) {
            if (b == null) {
                return BatchSpec.DEFAULTS;
            }
            if (!provider.equals(ModelSpec.OPENAI_BATCH)) {
                throw new JobFileException("model.batch: only the openai-batch provider submits batches; remove it "
                        + "for provider " + provider);
            }
            BatchSpec d = BatchSpec.DEFAULTS;
            int requests = positive("model.batch.max-requests", b.maxRequests(), d.maxRequests());
            if (requests > BatchSpec.API_MAX_REQUESTS) {
                throw new JobFileException("model.batch.max-requests: " + requests + " is over the Batch API's "
                        + "limit of " + BatchSpec.API_MAX_REQUESTS + " requests per batch");
            }
            long bytes = b.maxFileSize() == null
                    ? d.maxFileBytes()
                    : Durations.parseSize("model.batch.max-file-size", b.maxFileSize());
            if (bytes > BatchSpec.API_MAX_FILE_BYTES || bytes < 1) {
                throw new JobFileException("model.batch.max-file-size: " + b.maxFileSize() + " is not between 1 "
                        + "byte and the Batch API's limit of 200 MB per input file");
            }
            Duration poll = b.pollInterval() == null
                    ? d.pollInterval()
                    : Durations.parse("model.batch.poll-interval", b.pollInterval());
            Duration maxPoll = b.maxPollInterval() == null
                    ? (poll.compareTo(d.maxPollInterval()) > 0 ? poll : d.maxPollInterval())
                    : Durations.parse("model.batch.max-poll-interval", b.maxPollInterval());
            if (maxPoll.compareTo(poll) < 0) {
                throw new JobFileException("model.batch.max-poll-interval: " + b.maxPollInterval() + " is shorter "
                        + "than model.batch.poll-interval " + b.pollInterval());
            }
            return new BatchSpec(requests, bytes, poll, maxPoll);
        }

        /**
         * {@code model.pricing} over the built-in list prices (OpenAI's GPT image models), else over $8 / $15 per
         * million; a price left out is the built-in one, or 0 when the model has none. The image prices default to
         * the text ones.
         */
        private static ModelSpec.Pricing pricing(RawJobFile.Pricing p, ModelSpec.Pricing builtIn) {
            if (p == null) {
                return builtIn != null ? builtIn : ModelSpec.Pricing.DEFAULT;
            }
            double in = price(
                    "model.pricing.input-per-million",
                    p.inputPerMillion(),
                    builtIn == null ? 0 : builtIn.inputPerMillion());
            double out = price(
                    "model.pricing.output-per-million",
                    p.outputPerMillion(),
                    builtIn == null ? 0 : builtIn.outputPerMillion());
            return new ModelSpec.Pricing(
                    in,
                    out,
                    price(
                            "model.pricing.image-input-per-million",
                            p.imageInputPerMillion(),
                            builtIn == null || p.inputPerMillion() != null && p.imageInputPerMillion() == null
                                    ? in
                                    : builtIn.imageInputPerMillion()),
                    price(
                            "model.pricing.image-output-per-million",
                            p.imageOutputPerMillion(),
                            builtIn == null || p.outputPerMillion() != null && p.imageOutputPerMillion() == null
                                    ? out
                                    : builtIn.imageOutputPerMillion()));
        }

        private static double price(String field, Double value, double fallback) {
            if (value == null) {
                return fallback;
            }
            if (value < 0 || value.isNaN() || value.isInfinite()) {
                throw new JobFileException(
                        field + ": " + value + " is not a price; write USD per million tokens, " + "e.g. 5");
            }
            return value;
        }

        /** Chat only: {@code image} or {@code image,text} (a list or a comma-separated string); empty: the check's. */
        private static List<String> modalities(String provider, Object value) {
            if (value == null) {
                return List.of();
            }
            if (!provider.equals(ModelSpec.OPENROUTER)) {
                throw new JobFileException("model.modalities: only the openrouter provider (chat completions) takes "
                        + "output modalities; remove it for provider " + provider);
            }
            List<String> out = new ArrayList<>();
            for (Object v : value instanceof List<?> list
                    ? list
                    : List.of(String.valueOf(value).split(","))) {
                String m = String.valueOf(v).strip();
                if (!m.equals("image") && !m.equals("text")) {
                    throw new JobFileException("model.modalities: '" + m + "' is not an output modality; write "
                            + "[image] for models that output images only, or [image, text]");
                }
                if (!out.contains(m)) {
                    out.add(m);
                }
            }
            if (!out.contains("image")) {
                throw new JobFileException(
                        "model.modalities: " + out + " asks for no image; write [image] or " + "[image, text]");
            }
            return out;
        }

        private static String tokenField(String provider, String value) {
            if (value == null) {
                return null;
            }
            if (!provider.equals(ModelSpec.OPENROUTER)) {
                throw new JobFileException("model.max-tokens-parameter: only the openrouter provider (chat "
                        + "completions) sends a token bound; remove it for provider " + provider);
            }
            if (!value.equals(ModelSpec.MAX_TOKENS) && !value.equals(ModelSpec.MAX_COMPLETION_TOKENS)) {
                throw new JobFileException("model.max-tokens-parameter: '" + value + "' is not one; write "
                        + ModelSpec.MAX_COMPLETION_TOKENS + " or " + ModelSpec.MAX_TOKENS);
            }
            return value;
        }

        private static List<String> fallbackModels(String provider, List<String> models) {
            if (models == null || models.isEmpty()) {
                return List.of();
            }
            if (!provider.equals(ModelSpec.OPENROUTER)) {
                throw new JobFileException("model.fallback-models: only the openrouter provider (chat completions) "
                        + "takes fallback models; remove it for provider " + provider);
            }
            for (int i = 0; i < models.size(); i++) {
                if (models.get(i) == null || models.get(i).isBlank()) {
                    throw new JobFileException("model.fallback-models[" + i + "]: empty model name");
                }
            }
            return models.stream().map(String::strip).toList();
        }

        private static Map<String, Object> providerRouting(String provider, Map<String, Object> routing) {
            if (routing == null || routing.isEmpty()) {
                return Map.of();
            }
            if (!provider.equals(ModelSpec.OPENROUTER) && !provider.equals(ModelSpec.OPENROUTER_IMAGES)) {
                throw new JobFileException("model.provider-routing: only OpenRouter routes between providers; "
                        + "remove it for provider " + provider);
            }
            return new LinkedHashMap<>(routing);
        }

        /** Chat completions make one image per call; the Images APIs take n up to 10. */
        private static int imagesPerCall(String provider, Integer perCall, int imagesPerPrompt) {
            boolean images = provider.equals(ModelSpec.OPENROUTER_IMAGES) || provider.equals(ModelSpec.OPENAI);
            if (perCall == null) {
                return images ? Math.min(imagesPerPrompt, ModelSpec.MAX_IMAGES_PER_CALL) : 1;
            }
            int n = positive("model.images-per-call", perCall, 1);
            if (!images && n > 1) {
                throw new JobFileException("model.images-per-call: chat completions make one image per call; use "
                        + "provider openrouter-images or openai for several images per call, or leave it out");
            }
            if (n > ModelSpec.MAX_IMAGES_PER_CALL) {
                throw new JobFileException("model.images-per-call: " + n + " is too many; the Images APIs take at "
                        + "most " + ModelSpec.MAX_IMAGES_PER_CALL);
            }
            return Math.min(n, imagesPerPrompt);
        }

        private static URI baseUrl(String text) {
            String url = text.strip();
            try {
                URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new IllegalArgumentException();
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new JobFileException(
                        "model.base-url: '" + url + "' is not an http(s) URL; e.g. " + "https://openrouter.ai/api/v1");
            }
        }

        /**
         * The key travels in a header of every request: over plain http only to this machine (a local proxy or test
         * server), unless the job file says the network path is trusted.
         */
        private static void requireTls(URI baseUrl, boolean allowInsecure) {
            if ("http".equals(baseUrl.getScheme()) && !allowInsecure && !isLoopback(baseUrl.getHost())) {
                throw new JobFileException("model.base-url: '" + baseUrl + "' would send the API key unencrypted "
                        + "over the network; use https://, or set model.allow-insecure-http: true if the path to "
                        + baseUrl.getHost() + " is trusted (plain http is always allowed to localhost)");
            }
        }

        /** localhost, 127.0.0.0/8 or ::1, read from the text alone: no DNS lookup decides it. */
        static boolean isLoopback(String host) {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
                return true;
            }
            Matcher v4 = IPV4.matcher(h);
            if (!v4.matches()) {
                return false;
            }
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return v4.group(1).equals("127");
        }

        private static RunSpec run(RawJobFile.Run r) {
            RawJobFile.Run run = r != null
                    ? r
                    : new RawJobFile.Run(null, null, null, null, null, null, null, null, null, null, null);
            int concurrency = positive("run.concurrency", run.concurrency(), 4);
            if (concurrency > 256) {
                throw new JobFileException("run.concurrency: " + concurrency + " is too high; at most 256");
            }
            int chunkSize = positive("run.chunk-size", run.chunkSize(), 4);
            int skipLimit = run.skipLimit() == null ? 100 : run.skipLimit();
            if (skipLimit < 0) {
                throw new JobFileException("run.skip-limit: must be 0 or more");
            }
            RawJobFile.Retry rr = run.retry();
            RunSpec.Retry retry = new RunSpec.Retry(
                    positive("run.retry.max-attempts", rr == null ? null : rr.maxAttempts(), 5),
                    rr == null || rr.initialDelay() == null
                            ? Duration.ofSeconds(1)
                            : Durations.parse("run.retry.initial-delay", rr.initialDelay()),
                    rr == null || rr.maxDelay() == null
                            ? Duration.ofSeconds(60)
                            : Durations.parse("run.retry.max-delay", rr.maxDelay()));
            if (run.maxCostUsd() != null && run.maxCostUsd() <= 0) {
                throw new JobFileException("run.max-cost-usd: must be more than 0 (or left out for no limit)");
            }
            if (run.maxImages() != null && run.maxImages() <= 0) {
                throw new JobFileException("run.max-images: must be more than 0 (or left out for no limit)");
            }
            RawJobFile.CircuitBreaker cb = run.circuitBreaker();
            int window = positive("run.circuit-breaker.window", cb == null ? null : cb.window(), 20);
            double rate = cb == null || cb.failureRate() == null ? 0.8 : cb.failureRate();
            if (rate <= 0 || rate > 1) {
                throw new JobFileException("run.circuit-breaker.failure-rate: " + rate + " must be more than 0 and "
                        + "at most 1 (e.g. 0.8 = stop when 80% of the recent calls failed)");
            }
            int partitions = positive("run.partitions", run.partitions(), Math.min(2048, concurrency * 32));
            if (run.requestsPerMinute() != null && run.requestsPerMinute() <= 0) {
                throw new JobFileException("run.requests-per-minute: must be more than 0 (or left out for no limit)");
            }
            String workers =
                    run.workers() == null ? RunSpec.LOCAL : run.workers().strip();
            if (!workers.equals(RunSpec.LOCAL) && !workers.equals(RunSpec.REMOTE)) {
                throw new JobFileException("run.workers: '" + workers + "' is not a mode; use local (partitions on "
                        + "this machine's threads) or remote (partitions handed to 'imagegen worker' processes)");
            }
            Duration poll = run.pollInterval() == null
                    ? Duration.ofSeconds(2)
                    : Durations.parse("run.poll-interval", run.pollInterval());
            if (poll.isZero()) {
                throw new JobFileException("run.poll-interval: must be more than 0, e.g. 2s");
            }
            return new RunSpec(
                    concurrency,
                    partitions,
                    chunkSize,
                    skipLimit,
                    retry,
                    run.maxCostUsd(),
                    run.maxImages(),
                    new RunSpec.CircuitBreaker(window, rate),
                    run.requestsPerMinute(),
                    workers,
                    poll);
        }

        private OutputSpec output(String dataset, RawJobFile.Output o) {
            String dir = o == null || o.dir() == null ? "out/" + dataset : o.dir();
            return new OutputSpec(baseDir.resolve(dir).normalize());
        }

        private static String require(String field, String value, String hint) {
            if (value == null || value.isBlank()) {
                throw new JobFileException(field + ": missing; " + hint);
            }
            return value.strip();
        }

        private static int positive(String field, Integer value, int fallback) {
            if (value == null) {
                return fallback;
            }
            if (value <= 0) {
                throw new JobFileException(field + ": must be a whole number more than 0, not " + value);
            }
            return value;
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }
}
