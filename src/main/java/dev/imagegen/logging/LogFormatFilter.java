package dev.imagegen.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets an appender of {@code logback.xml} write only while its format is the process's ({@link LogFormat}): both
 * appenders are always configured, so the choice survives Spring Boot re-reading that file when a context starts.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {

    private LogFormat format = LogFormat.TEXT;

    /** {@code text} or {@code json}: the format the filtered appender writes. */
    public void setFormat(String format) {
        this.format = LogFormat.parse(format);
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return LogFormat.active() == format ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
