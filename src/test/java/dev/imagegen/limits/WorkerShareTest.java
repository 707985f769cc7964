package dev.imagegen.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WorkerShareTest {

    private final RunCounters counters = new RunCounters();
    private final WorkerShare share = new WorkerShare(counters);

    @Test
    void whatThisWorkerCommittedIsKept() {
        share.recordCommitted(0.25, 2, 0);
        share.recordCommitted(0.5, 1, 3);

        assertThat(share.committed()).isEqualTo(new Totals(0.75, 3, 3));

        share.reset();
        assertThat(share.committed()).isEqualTo(Totals.ZERO);
    }

    @Test
    void theRestOfTheRunIsTheDatabasesTotalsLessThisWorkersCommittedRowsAndTheEarlierExecutions() {
        counters.reset(new Totals(1.0, 10, 4)); // earlier executions
        counters.addImage(0.1); // this worker, committed or not
        counters.addSkip("moderation");

        // The database: earlier executions + this worker's committed 1 image, 1 skip + 5 images, 2 skips elsewhere.
        share.share(new Totals(1.0 + 0.1 + 0.5, 16, 3), new Totals(0.1, 1, 1));

        assertThat(counters.images()).isEqualTo(1 + 5);
        assertThat(counters.runImages()).isEqualTo(1 + 5 + 10);
        assertThat(counters.skips()).isEqualTo(1 + 2);
        assertThat(counters.cost()).isCloseTo(1.0 + 0.1 + 0.5, within(1e-9));
    }

    @Test
    void theRestOfTheRunIsNeverNegative() {
        counters.reset(new Totals(1.0, 10, 0));

        // Read before the earlier executions' rows were all visible, or just after this worker committed more.
        share.share(new Totals(0.2, 3, 0), new Totals(0.5, 4, 2));

        assertThat(counters.images()).isZero();
        assertThat(counters.skips()).isZero();
        assertThat(counters.cost()).isCloseTo(1.0, within(1e-9));
    }
}
