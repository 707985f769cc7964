package dev.imagegen.remote;

import dev.imagegen.db.ImagegenDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.postgresql.jdbc.PgConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.jdbc.channel.PostgresChannelMessageTableSubscriber;

/**
 * How a worker waits for partition requests: a LISTEN for the NOTIFY of the queue table's trigger, so that a request
 * is taken within milliseconds, or the poll interval, whichever comes first (where LISTEN does not work, e.g. behind
 * a transaction-mode pooler, polling alone still finds every request).
 */
final class RequestSignal {

    private static final Logger log = LoggerFactory.getLogger(RequestSignal.class);

    private final Duration poll;
    private final Object wake = new Object();
    private final PostgresChannelMessageTableSubscriber subscriber;
    private boolean notified;

    /** @param name the worker's name of the moment, for its LISTEN connection's application name */
    RequestSignal(ImagegenDatabase database, PartitionQueue queue, Supplier<String> name, Duration poll) {
        this.poll = poll;
        this.subscriber = new PostgresChannelMessageTableSubscriber(() ->
                database.connect("imagegen worker " + name.get(), Map.of()).unwrap(PgConnection.class));
        subscriber.subscribe(new PostgresChannelMessageTableSubscriber.Subscription() {
            @Override
            public void notifyUpdate() {
                wake();
            }

            @Override
            public String getRegion() {
                return queue.region();
            }

            @Override
            public Object getGroupId() {
                return queue.group();
            }
        });
        try {
            subscriber.start();
        } catch (IllegalStateException e) {
            subscriber.stop();
            log.warn("cannot LISTEN for partition requests ({}); looking for them every {}", e.getMessage(), poll);
        }
    }

    /** Waits for a notification or the poll interval, unless one came meanwhile or {@code draining}. */
    void await(boolean draining) throws InterruptedException {
        synchronized (wake) {
            if (!notified && !draining) {
                wake.wait(poll.toMillis());
            }
            notified = false;
        }
    }

    /** Ends the current (or next) wait at once. */
    void wake() {
        synchronized (wake) {
            notified = true;
            wake.notifyAll();
        }
    }

    void stop() {
        subscriber.stop();
    }
}
