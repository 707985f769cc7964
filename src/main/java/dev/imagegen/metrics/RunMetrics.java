package dev.imagegen.metrics;

import dev.imagegen.spec.MetricsSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

/**
 * Publishes a run's metrics when it starts, every {@code metrics.interval} while it runs and when it ends, on a
 * thread of its own. Publishing can never fail or hold up the run: a Pushgateway that is down or slow costs a warning
 * (once, until it answers again) and at most the bounded timeout at the very end, never a model call's time.
 */
final class RunMetrics implements JobExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(RunMetrics.class);

    private final RunFigures figures;
    private final List<MetricsSink> sinks;
    private final MetricsSpec spec;
    private final Map<MetricsSink, Boolean> failing = new ConcurrentHashMap<>();
    private ScheduledExecutorService thread;
    private ScheduledFuture<?> ticking;

    RunMetrics(RunFigures figures, MetricsSpec spec) {
        this.figures = figures;
        this.spec = spec;
        List<MetricsSink> s = new ArrayList<>();
        if (spec.pushgateway() != null) {
            s.add(new PushgatewaySink(spec.pushgateway(), spec.job(), spec.timeout()));
        }
        if (spec.textfile() != null) {
            s.add(new TextfileSink(spec.textfile()));
        }
        this.sinks = List.copyOf(s);
    }

    @Override
    public synchronized void beforeJob(JobExecution execution) {
        if (sinks.isEmpty()) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "imagegen-metrics");
            t.setDaemon(true);
            return t;
        });
        ticking = thread.scheduleWithFixedDelay(
                () -> publish(execution, false), 0, spec.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void afterJob(JobExecution execution) {
        if (thread == null) {
            return;
        }
        ticking.cancel(false);
        // After a reading still under way (same thread), then no more: the bound covers a connect and an answer
        // per sink, and the database query.
        Duration bound = spec.timeout().multipliedBy(2L * sinks.size()).plusSeconds(10);
        Future<?> last = thread.submit(() -> publish(execution, true));
        try {
            last.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn(
                    "metrics: the run's last figures were not published within {} s; the run is not affected",
                    bound.toSeconds());
        } catch (ExecutionException e) {
            log.warn(
                    "metrics: the run's last figures could not be read: {}",
                    e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            thread.shutdownNow();
            thread = null;
        }
    }

    private void publish(JobExecution execution, boolean ended) {
        Figures f;
        try {
            f = figures.read(execution, ended);
        } catch (RuntimeException e) {
            log.warn("metrics: the run's figures could not be read: {}", e.toString());
            return;
        }
        for (MetricsSink sink : sinks) {
            try {
                sink.publish(f);
                if (failing.remove(sink) != null) {
                    log.info("metrics: {} takes the run's metrics again", sink.describe());
                }
            } catch (IOException | RuntimeException e) {
                boolean first = failing.put(sink, true) == null;
                if (first || ended) {
                    log.warn(
                            "metrics: cannot publish to {}: {}; the run goes on{}",
                            sink.describe(),
                            RunFigures.rootMessage(e),
                            ended
                                    ? ""
                                    : " (trying again every " + spec.interval().toSeconds() + " s)");
                } else {
                    log.debug("metrics: still cannot publish to {}: {}", sink.describe(), RunFigures.rootMessage(e));
                }
            }
        }
    }
}
