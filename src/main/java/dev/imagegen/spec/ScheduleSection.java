package dev.imagegen.spec;

import java.time.DateTimeException;
import java.time.ZoneId;
import org.springframework.scheduling.support.CronExpression;

/** The job file's {@code schedule:} section: a cron expression and its zone. */
final class ScheduleSection {

    private ScheduleSection() {}

    static ScheduleSpec read(RawJobFile.Schedule s) {
        if (s == null) {
            return ScheduleSpec.none();
        }
        ZoneId zone;
        try {
            zone = s.zone() == null
                    ? ZoneId.systemDefault()
                    : ZoneId.of(s.zone().strip());
        } catch (DateTimeException e) {
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
            return new ScheduleSpec(true, cron, CronExpression.parse(sixFields), zone);
        } catch (IllegalArgumentException e) {
            throw new JobFileException("schedule.cron: '" + cron + "' is not a cron expression (" + e.getMessage()
                    + "); write minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" for 02:00 "
                    + "every night");
        }
    }
}
