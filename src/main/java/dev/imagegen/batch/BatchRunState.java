package dev.imagegen.batch;

/**
 * What the submit step learnt that decides how the run ends once the submitted batches are collected: the budget
 * stopped it from submitting everything (the run then ends STOPPED, exit 3, with this reason).
 */
final class BatchRunState {

    private volatile String budgetReason;

    void budgetReached(String reason) {
        this.budgetReason = reason;
    }

    String budgetReason() {
        return budgetReason;
    }

    void reset() {
        budgetReason = null;
    }
}
