package dev.imagegen.metrics;

import java.io.IOException;

/** Where a run's metrics go: a Pushgateway or a node_exporter textfile. */
interface MetricsSink {

    void publish(Figures figures) throws IOException;

    /** Where it goes, for messages (never a password). */
    String describe();
}
