package dev.imagegen.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.run.RunIds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job file's source.jdbc and schedule keys, and how a run id follows from them. */
class SourceAndScheduleKeysTests {

    @TempDir
    Path dir;

    @Test
    void aJdbcSourceTakesItsPasswordFromTheEnvironmentAndNeverShowsIt() throws Exception {
        JobSpec spec = load("""
                dataset: products
                source:
                  jdbc:
                    url: jdbc:postgresql://db.example.com:5432/catalog?sslmode=require&password=inline-pw
                    user: reader
                    password: "${CATALOG_PASSWORD}"
                    query: "SELECT sku, description FROM product ORDER BY sku;"
                  id-column: sku
                  prompt-column: description
                """, Map.of("CATALOG_PASSWORD", "env-pw"));

        JdbcSourceSpec jdbc = spec.source().jdbc();
        assertThat(jdbc.password().reveal()).isEqualTo("env-pw");
        assertThat(jdbc.query()).isEqualTo("SELECT sku, description FROM product ORDER BY sku");
        assertThat(jdbc.fetchSize()).isEqualTo(1000);
        assertThat(jdbc.target()).isEqualTo("postgresql://db.example.com:5432/catalog?sslmode=require as user reader");
        assertThat(spec.source().name()).isEqualTo(jdbc.target());
        assertThat(spec.toString()).doesNotContain("env-pw").doesNotContain("inline-pw");
        assertThat(spec.source().csv()).isNull();
    }

    @Test
    void sourceKeysThatCannotWorkTogetherAreRefusedByName() {
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { csv: p.csv, jdbc: { url: "jdbc:postgresql://h/db", query: "SELECT 1" } }
                """)).hasMessageContaining("either source.csv or source.jdbc");
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { jdbc: { url: "jdbc:mysql://h/db", query: "SELECT 1" } }
                """))
                .hasMessageContaining("source.jdbc.url")
                .hasMessageContaining("PostgreSQL");
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { jdbc: { url: "jdbc:postgresql://h/db" } }
                """)).hasMessageContaining("source.jdbc.query: missing");
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { jdbc: { url: "jdbc:postgresql://h/db", query: "SELECT 1" }, delimiter: ";" }
                """)).hasMessageContaining("source.delimiter: only applies to source.csv");
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { jdbc: { url: "jdbc:postgresql://h/db", query: "SELECT 1", password: "${NOT_SET_PW}" } }
                """))
                .hasMessageContaining("source.jdbc.password: environment variable NOT_SET_PW is not set");
        assertThatThrownBy(() -> load("""
                dataset: d
                source: { jdbc: { url: "jdbc:postgresql://h/db", query: "SELECT 1", fetch-size: 0 } }
                """)).hasMessageContaining("source.jdbc.fetch-size");
    }

    @Test
    void aScheduleTakesUnixOrSpringCronAndARegionZone() throws Exception {
        ScheduleSpec unix = load(JDBC + "schedule: { cron: \"0 2 * * *\", zone: Europe/Berlin }\n")
                .schedule();
        assertThat(unix.configured()).isTrue();
        assertThat(unix.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(unix.expression().next(ZonedDateTime.of(2025, 6, 1, 1, 0, 0, 0, unix.zone())))
                .isEqualTo(ZonedDateTime.of(2025, 6, 1, 2, 0, 0, 0, unix.zone()));
        ScheduleSpec spring =
                load(JDBC + "schedule: { cron: \"30 0 2 * * MON-FRI\" }\n").schedule();
        assertThat(spring.zone()).isEqualTo(ZoneId.systemDefault());
        assertThat(spring.hasCron()).isTrue();
        ScheduleSpec zoneOnly = load(JDBC + "schedule: { zone: UTC }\n").schedule();
        assertThat(zoneOnly.configured()).isTrue();
        assertThat(zoneOnly.hasCron()).isFalse();
        assertThat(load(JDBC).schedule().configured()).isFalse();

        assertThatThrownBy(() -> load(JDBC + "schedule: { cron: \"every night\" }\n"))
                .hasMessageContaining("schedule.cron: 'every night' is not a cron expression");
        assertThatThrownBy(() -> load(JDBC + "schedule: { cron: \"0 2 * * *\", zone: Mars/Olympus }\n"))
                .hasMessageContaining("schedule.zone: 'Mars/Olympus' is not a time zone");
    }

    @Test
    void theRunIdIsTheRunDateWhenOneIsGivenOrAScheduleIsConfigured() {
        // 23:30 UTC on 31 May is already 1 June in Berlin.
        Clock clock = Clock.fixed(Instant.parse("2025-05-31T23:30:00Z"), ZoneOffset.UTC);
        ScheduleSpec berlin = new ScheduleSpec(true, null, null, ZoneId.of("Europe/Berlin"));
        java.util.function.Supplier<String> newId = () -> "20250601-010203";

        assertThat(RunIds.choose(null, "2025-06-03", ScheduleSpec.none(), clock, newId))
                .isEqualTo("2025-06-03");
        assertThat(RunIds.choose(null, null, berlin, clock, newId)).isEqualTo("2025-06-01");
        assertThat(RunIds.choose("my-run", null, berlin, clock, newId)).isEqualTo("my-run");
        assertThat(RunIds.choose(null, null, ScheduleSpec.none(), clock, newId)).isEqualTo("20250601-010203");
        assertThatThrownBy(() -> RunIds.choose("x", "2025-06-03", berlin, clock, newId))
                .hasMessageContaining("--run-id and --run-date");
        assertThatThrownBy(() -> RunIds.choose(null, "3 June", berlin, clock, newId))
                .hasMessageContaining("--run-date: '3 June' is not a date");
        assertThat(RunIds.forSlot(ZonedDateTime.of(2025, 6, 1, 14, 30, 0, 0, ZoneOffset.UTC), false))
                .isEqualTo("2025-06-01T14:30");
    }

    private static final String JDBC = """
            dataset: d
            source: { jdbc: { url: "jdbc:postgresql://h/db", query: "SELECT 1" } }
            """;

    private JobSpec load(String yaml) throws Exception {
        return load(yaml, Map.of());
    }

    private JobSpec load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("job.yml");
        Files.writeString(file, yaml);
        Files.writeString(dir.resolve("p.csv"), "prompt\nx\n");
        return new JobSpecLoader(env::get).load(file, List.of());
    }
}
