package dev.imagegen.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending query's parameters and its rerun-failed restriction (the rows it selects are tested by whole runs). */
class PendingPromptsTest {

    @Test
    void aRunTakesEveryBucketAndAPartitionItsOwn() {
        PendingPrompts run = PendingPrompts.of("ds", 7, 2, null);
        assertThat(run.params())
                .containsEntry("dataset", "ds")
                .containsEntry("instance", 7L)
                .containsEntry("variants", 2)
                .containsEntry("count", 1)
                .containsEntry("index", 0)
                .doesNotContainKey("kinds");
        assertThat(run.from()).startsWith("(").endsWith(") pending").doesNotContain("r.resolved_at");

        PendingPrompts partition = PendingPrompts.ofPartition("ds", 7, 2, 3, 16, null);
        assertThat(partition.params()).containsEntry("count", 16).containsEntry("index", 3);
        assertThat(partition.from()).contains("mod(p.bucket, :count) = :index");
    }

    @Test
    void failuresForGoodInTheRunStayOutTransientOnesAreRetried() {
        assertThat(PendingPrompts.of("ds", 7, 1, null).from())
                .contains("f.job_instance_id = :instance")
                .contains("f.kind NOT IN ('transient', 'rate_limited')")
                .doesNotContain("/*");
    }

    @Test
    void rerunFailedTakesOnlyFailedPromptsOfTheKindsAsked() {
        PendingPrompts all = PendingPrompts.of("ds", 7, 1, RerunSelection.ALL_KINDS);
        assertThat(all.from())
                .contains("AND EXISTS (SELECT 1 FROM prompt_failure r")
                .doesNotContain(":kinds");
        assertThat(all.params()).doesNotContainKey("kinds");

        PendingPrompts some = PendingPrompts.of("ds", 7, 1, "moderation,no_image");
        assertThat(some.from()).contains("AND r.kind IN (:kinds)");
        assertThat(some.params()).containsEntry("kinds", List.of("moderation", "no_image"));
    }

    @Test
    void paramsAreACopyACallerMayExtend() {
        PendingPrompts pending = PendingPrompts.of("ds", 7, 1, null);
        pending.params().put("after", "p1");
        assertThat(pending.params()).doesNotContainKey("after");
    }
}
