package dev.imagegen.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagegen.limits.RunGuard;
import dev.imagegen.spec.RunSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures a progress display shows, from the run guard's counters, with a hand-driven clock. */
class RunProgressTests {

    private final List<ProgressFigures> updates = new ArrayList<>();
    private final List<ProgressFigures> finished = new ArrayList<>();
    private final ProgressSink sink = new ProgressSink() {
        @Override
        public void update(ProgressFigures figures) {
            updates.add(figures);
        }

        @Override
        public void finish(ProgressFigures figures) {
            finished.add(figures);
        }
    };

    @Test
    void nothingIsShownUntilTheGenerateStepAnnouncesItsWorkThenFiguresFollowTheGuard() {
        RunGuard guard = new RunGuard();
        guard.reset(new RunSpec(
                4,
                4,
                4,
                100,
                new RunSpec.Retry(3, Duration.ofMillis(1), Duration.ofMillis(2)),
                null,
                null,
                new RunSpec.CircuitBreaker(0, 1.0),
                null));
        long[] now = {0};
        RunProgress progress = new RunProgress(guard.counters(), sink, () -> now[0], null);

        progress.tick();
        assertThat(updates).isEmpty();

        guard.expect(200);
        long start = guard.counters().expectedSince();
        for (int i = 0; i < 40; i++) {
            guard.recordImage(0.04);
        }
        guard.recordSkip("moderation");
        now[0] = start + Duration.ofSeconds(10).toNanos();
        progress.tick();

        ProgressFigures f = updates.get(0);
        assertThat(f.total()).isEqualTo(200);
        assertThat(f.done()).isEqualTo(41);
        assertThat(f.skipped()).isEqualTo(1);
        assertThat(f.imagesPerSecond()).isEqualTo(4.0);
        assertThat(f.costUsd()).isCloseTo(1.6, org.assertj.core.data.Offset.offset(1e-9));
        // 159 left at 41 per 10 s
        assertThat(f.eta()).isEqualTo(Duration.ofMillis(10_000L * 159 / 41));
        assertThat(f.logLine())
                .isEqualTo("progress: 41/200 (20.5%), 40 images, 1 skipped, 4.00 images/s, "
                        + "elapsed 0:00:10, ETA 0:00:38, cost $1.6000");

        progress.close();
        assertThat(finished).hasSize(1);
    }

    @Test
    void etaIsUnknownBeforeAnythingFinishesAndZeroWhenAllIsDone() {
        assertThat(new ProgressFigures(10, 0, 0, 0, Duration.ofSeconds(3)).eta())
                .isNull();
        assertThat(new ProgressFigures(10, 0, 0, 0, Duration.ofSeconds(3)).logLine())
                .contains("ETA unknown");
        assertThat(new ProgressFigures(10, 8, 2, 0, Duration.ofSeconds(3)).eta())
                .isEqualTo(Duration.ZERO);
        assertThat(new ProgressFigures(0, 0, 0, 0, Duration.ZERO).percent()).isEqualTo(100);
    }

    @Test
    void autoPicksTheLogWithoutATerminalOrOnCi() {
        assertThat(ProgressMode.AUTO.resolve(Map.of("TERM", "xterm", "CI", "true")::get))
                .isEqualTo(ProgressMode.LOG);
        assertThat(ProgressMode.AUTO.resolve(Map.of("TERM", "dumb")::get)).isEqualTo(ProgressMode.LOG);
        assertThat(ProgressMode.AUTO.resolve(Map.<String, String>of()::get)).isEqualTo(ProgressMode.LOG);
        assertThat(ProgressMode.BAR.resolve(Map.of("CI", "true")::get)).isEqualTo(ProgressMode.BAR);
        assertThat(ProgressMode.parse(" Off ")).isEqualTo(ProgressMode.OFF);
        assertThatThrownBy(() -> ProgressMode.parse("fancy")).hasMessageContaining("auto, bar, log or off");
    }
}
