package dev.imagegen.source;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code model.prompt-template}: {@code {prompt}} is the prompt column (also under its own name), {@code {name}} any
 * other column.
 */
public final class PromptTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_ .-]+)}");

    private final String template;

    public PromptTemplate(String template) {
        this.template = template;
    }

    public Set<String> columns() {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    public String render(String prompt, Map<String, String> attributes) {
        return render(prompt, "prompt", attributes);
    }

    /**
     * @param promptColumn the prompt's column ({@code source.prompt-column}): {@code {prompt}} and
     *                     {@code {<promptColumn>}} both stand for the prompt
     * @param attributes   the row's other columns
     */
    public String render(String prompt, String promptColumn, Map<String, String> attributes) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value =
                    name.equals("prompt") || name.equals(promptColumn) ? prompt : attributes.getOrDefault(name, "");
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
