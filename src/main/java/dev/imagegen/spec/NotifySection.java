package dev.imagegen.spec;

import static dev.imagegen.spec.FieldValues.positiveDuration;

import java.net.URI;

/** The job file's {@code notify:} section: the failure notice's webhook. */
final class NotifySection {

    private NotifySection() {}

    static NotifySpec read(RawJobFile.Notify n) {
        if (n == null || n.webhook() == null || n.webhook().isBlank()) {
            if (n != null && n.timeout() != null) {
                positiveDuration("notify.timeout", n.timeout(), NotifySpec.DEFAULT_TIMEOUT);
            }
            return NotifySpec.none();
        }
        // Checked without ever printing it: the URL of a Slack webhook is its secret.
        URI webhook;
        try {
            webhook = URI.create(n.webhook().strip());
        } catch (IllegalArgumentException e) {
            webhook = null;
        }
        if (webhook == null
                || !"http".equals(webhook.getScheme()) && !"https".equals(webhook.getScheme())
                || webhook.getHost() == null) {
            throw new JobFileException("notify.webhook: not an http(s) URL; e.g. "
                    + "https://hooks.slack.com/services/... (from the environment: webhook: \"${SLACK_WEBHOOK}\")");
        }
        return new NotifySpec(
                Secret.of(n.webhook()), positiveDuration("notify.timeout", n.timeout(), NotifySpec.DEFAULT_TIMEOUT));
    }
}
