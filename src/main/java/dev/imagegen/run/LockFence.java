package dev.imagegen.run;

import dev.imagegen.JobScoped;
import dev.imagegen.limits.RunFence;
import dev.imagegen.limits.RunGuard;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * The fence of a run in this process: the dataset's lock, held by {@link RunLauncher} while the run's job runs. When
 * its connection is gone (checked before every call and commit, and every second), the run stops (exit 3).
 */
@JobScoped
@Component
class LockFence implements RunFence {

    private final RunGuard guard;
    private volatile DatasetLock lock;

    LockFence(RunGuard guard) {
        this.guard = guard;
    }

    void hold(DatasetLock held) {
        lock = held;
        held.keepAlive(guard::stop);
    }

    void release() {
        lock = null;
    }

    @Override
    public void beforeCall() {
        verify();
    }

    @Override
    public void beforeCommit(StepExecution partition) {
        verify();
    }

    private void verify() {
        DatasetLock held = lock;
        if (held == null) {
            throw new Lost("this run does not hold the dataset's lock (it is only run under it)");
        }
        held.verify();
    }
}
