package dev.imagegen.progress;

import java.util.Optional;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A live bar on standard error (progressbar draws and redraws it in place). */
final class TerminalBarSink implements ProgressSink {

    private ProgressBar bar;
    private volatile ProgressFigures latest;

    @Override
    public synchronized void update(ProgressFigures figures) {
        latest = figures;
        if (bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName("generate")
                    .setInitialMax(figures.total())
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(500)
                    .setMaxRenderedLength(120)
                    // Our own estimate: the bar's would count from its creation, ours from the step's start.
                    .setEtaFunction(state -> Optional.ofNullable(latest.eta()))
                    .build();
        }
        bar.maxHint(figures.total());
        bar.stepTo(figures.done());
        bar.setExtraMessage(figures.extras());
    }

    @Override
    public synchronized void finish(ProgressFigures figures) {
        update(figures);
        bar.close();
        bar = null;
    }
}
