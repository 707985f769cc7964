package dev.imagegen.run;

import dev.imagegen.spec.JobFileException;
import dev.imagegen.spec.ScheduleSpec;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Run ids. A nightly run is named after its date ({@code 2025-06-01}): the same date restarts it, the next date is a
 * new incremental run. A scheduler whose cron fires more than once a day names each run after its slot
 * ({@code 2025-06-01T14:30}).
 */
public final class RunIds {

    private static final DateTimeFormatter SLOT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    private RunIds() {}

    /** The run id of a {@code run} command from its {@code --run-id} and {@code --run-date} options. */
    public static String choose(
            String runId,
            String runDate,
            ScheduleSpec schedule,
            Clock clock,
            java.util.function.Supplier<String> newRunId) {
        if (runId != null && runDate != null) {
            throw new JobFileException("--run-id and --run-date: give one or the other; with --run-date the run id "
                    + "is the date itself");
        }
        if (runId != null) {
            if (runId.isBlank() || runId.length() > 100) {
                throw new JobFileException("--run-id: '" + runId + "' must be 1 to 100 characters");
            }
            return runId.strip();
        }
        if (runDate != null) {
            return forDate(parseDate(runDate));
        }
        if (schedule.configured()) {
            return forDate(schedule.today(clock));
        }
        return newRunId.get();
    }

    public static LocalDate parseDate(String text) {
        try {
            return LocalDate.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new JobFileException("--run-date: '" + text + "' is not a date; write YYYY-MM-DD, e.g. 2025-06-01");
        }
    }

    public static String forDate(LocalDate date) {
        return date.toString();
    }

    /** The run id of a scheduler slot: its date when the cron fires at most once a day, else date and time. */
    public static String forSlot(ZonedDateTime slot, boolean atMostDaily) {
        return atMostDaily ? forDate(slot.toLocalDate()) : slot.format(SLOT);
    }
}
