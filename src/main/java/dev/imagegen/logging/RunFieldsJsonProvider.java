package dev.imagegen.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Map;
import net.logstash.logback.composite.AbstractJsonProvider;
import tools.jackson.core.JsonGenerator;

/**
 * Writes {@code dataset}, {@code run_id} and {@code execution_id} (a number) into every JSON log line: from the
 * thread's MDC when it has them (a partition), else from the process's current run ({@link RunLogFields}).
 */
public final class RunFieldsJsonProvider extends AbstractJsonProvider<ILoggingEvent> {

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        Map<String, String> fields =
                mdc != null && mdc.containsKey(RunLogFields.DATASET) ? mdc : RunLogFields.current();
        for (String key : RunLogFields.KEYS) {
            String value = fields.get(key);
            if (value == null) {
                continue;
            }
            if (key.equals(RunLogFields.EXECUTION_ID)) {
                generator.writeNumberProperty(key, Long.parseLong(value));
            } else {
                generator.writeStringProperty(key, value);
            }
        }
    }
}
