package dev.imagegen.spec;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import org.springframework.scheduling.support.CronExpression;

/**
 * The job file's {@code schedule:} section. {@code configured} says whether there is one at all: with it, a run's id
 * defaults to its run date (today in {@code zone}), which makes every run a nightly run. {@code cron} is when
 * {@code imagegen schedule} starts a run (absent when an outside scheduler such as cron or Kubernetes starts them).
 */
public record ScheduleSpec(boolean configured, String cron, CronExpression expression, ZoneId zone) {

    public static ScheduleSpec none() {
        return new ScheduleSpec(false, null, null, ZoneId.systemDefault());
    }

    public boolean hasCron() {
        return expression != null;
    }

    /** Today's date in the schedule's zone: the default run date of a nightly run. */
    public LocalDate today(Clock clock) {
        return LocalDate.now(clock.withZone(zone));
    }
}
