package dev.imagegen.spec;

import java.time.Duration;

/**
 * The job file's {@code notify:} section: a webhook that is told (a JSON POST with a Slack-compatible {@code text})
 * when a run ends other than COMPLETED. The URL is a {@link Secret}: a Slack webhook's path is its credential.
 */
public record NotifySpec(Secret webhook, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public static NotifySpec none() {
        return new NotifySpec(Secret.NONE, DEFAULT_TIMEOUT);
    }

    public boolean enabled() {
        return webhook.isPresent();
    }
}
