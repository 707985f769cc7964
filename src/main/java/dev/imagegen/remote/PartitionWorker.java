package dev.imagegen.remote;

import dev.imagegen.db.ImagegenDatabase;
import dev.imagegen.generate.GeneratePartitions;
import dev.imagegen.support.Causes;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.batch.integration.partition.StepExecutionRequestHandler;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.serializer.support.SerializationFailedException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.messaging.Message;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code imagegen worker}: takes partition requests from the {@link PartitionQueue} while it has a free thread, and
 * runs each with Spring Batch's {@link StepExecutionRequestHandler} until it is asked to stop; then it takes no more
 * and returns once the partitions it holds are done.
 *
 * <p>A request is taken and claimed in one transaction: the poll deletes its row, and a {@code partition_claim} row
 * names this worker. If the worker dies before the commit, the request is back in the queue for another worker; if
 * it dies after, its lease runs out and the manager fails the partition (restart redoes it). A request whose
 * partition is not waiting any more (a dead run's leftover) is dropped.
 */
public final class PartitionWorker {

    private static final Logger log = LoggerFactory.getLogger(PartitionWorker.class);

    private final WorkerSettings settings;
    private final PartitionQueue queue;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private volatile WorkerLease lease;
    private final PartitionContexts runs;
    private final StepExecutionRequestHandler handler;
    private final Semaphore free;
    private final ExecutorService partitions;
    private final RequestSignal notifications;
    private final AtomicInteger taken = new AtomicInteger();
    private volatile boolean draining;

    private PartitionWorker(ConfigurableApplicationContext context, WorkerSettings settings) {
        this.settings = settings;
        this.queue = context.getBean(PartitionQueue.class);
        this.jdbc = context.getBean(JdbcTemplate.class);
        this.tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        JobRepository jobRepository = context.getBean(JobRepository.class);
        this.lease = WorkerLease.start(jdbc, settings);
        this.runs = new PartitionContexts(context, settings.concurrency(), () -> lease);
        RunPartitionStep step = new RunPartitionStep(runs, jobRepository, this::id);
        this.handler = new StepExecutionRequestHandler();
        handler.setJobRepository(jobRepository);
        handler.setStepLocator(name -> GeneratePartitions.STEP.equals(name) ? step : null);
        this.free = new Semaphore(settings.concurrency());
        AtomicInteger threads = new AtomicInteger();
        this.partitions = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "partition-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.notifications =
                new RequestSignal(context.getBean(ImagegenDatabase.class), queue, this::id, settings.poll());
    }

    /** Registers the worker (its lease) and starts listening for requests; {@link #run()} then serves them. */
    public static PartitionWorker start(ConfigurableApplicationContext context, WorkerSettings settings) {
        return new PartitionWorker(context, settings);
    }

    public String id() {
        return lease.id();
    }

    /** Serves partitions until {@link #drain()}; returns when the partitions in hand are done. */
    public void run() throws InterruptedException {
        log.info(
                "worker {} serving partitions with {} threads (lease {}, poll {})",
                id(),
                settings.concurrency(),
                settings.lease(),
                settings.poll());
        try {
            while (!draining) {
                if (lease.isLost()) {
                    rejoin();
                    continue;
                }
                if (!free.tryAcquire(settings.poll().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                Taken next;
                try {
                    next = takeOne();
                } catch (RuntimeException e) {
                    free.release();
                    log.warn("cannot take a partition request: {}", e.getMessage());
                    awaitWork();
                    continue;
                }
                if (next == null) {
                    free.release();
                    runs.closeEnded();
                    awaitWork();
                } else if (next.request() == null) {
                    free.release(); // a leftover dropped: look again at once
                } else {
                    taken.incrementAndGet();
                    partitions.execute(() -> runPartition(next.request()));
                }
            }
        } finally {
            notifications.stop();
            partitions.shutdown();
            while (!partitions.awaitTermination(10, TimeUnit.SECONDS)) {
                log.info(
                        "worker {} finishing {} partitions before it leaves",
                        id(),
                        settings.concurrency() - free.availablePermits());
            }
            runs.close();
            lease.close();
            log.info("worker {} stopped after {} partitions", id(), taken.get());
        }
    }

    /**
     * After the lease ran out (the process was stalled, or lost the database, for longer than the lease): the
     * partitions in hand are fenced and end without calling or committing again; once they all have, the runs'
     * contexts are dropped and the worker registers anew, under a new id, to take new partitions.
     */
    private void rejoin() throws InterruptedException {
        log.warn("worker {} lost its lease; it takes new partitions once those it held have stopped", id());
        free.acquire(settings.concurrency());
        try {
            runs.close();
            lease.close();
            while (!draining) {
                try {
                    lease = WorkerLease.start(jdbc, settings);
                    log.info("worker registered again as {}", id());
                    return;
                } catch (RuntimeException e) {
                    log.warn("cannot register the worker again: {}", e.getMessage());
                    awaitWork();
                }
            }
        } finally {
            free.release(settings.concurrency());
        }
    }

    /** Takes no more partitions; {@link #run()} returns once those in hand are done. */
    public void drain() {
        draining = true;
        notifications.wake();
    }

    private record Taken(StepExecutionRequest request) {}

    /** @return null when the queue is empty; a {@code Taken} without request when a leftover was dropped */
    private Taken takeOne() {
        return tx.execute(status -> {
            Message<?> message;
            try {
                message = queue.channel().receive(0);
            } catch (SerializationFailedException e) {
                // Not a request this version can read: drop it (committed), or it would block the queue forever.
                log.error("dropping an unreadable partition request: {}", rootMessage(e));
                return new Taken(null);
            }
            if (message == null) {
                return null;
            }
            if (!(message.getPayload() instanceof StepExecutionRequest request)) {
                log.error("dropping a message that is not a partition request: {}", message);
                return new Taken(null);
            }
            Map<String, Object> partition = jdbc
                    .queryForList(
                            "SELECT job_execution_id, status, step_name "
                                    + "FROM batch_step_execution WHERE step_execution_id = ? FOR UPDATE",
                            request.getStepExecutionId())
                    .stream()
                    .findFirst()
                    .orElse(null);
            if (partition == null || !"STARTING".equals(partition.get("status"))) {
                log.info(
                        "dropping request {}: the partition is {}",
                        request,
                        partition == null ? "gone" : partition.get("status"));
                return new Taken(null);
            }
            jdbc.update(
                    "INSERT INTO partition_claim (step_execution_id, job_execution_id, worker_id) "
                            + "VALUES (?, ?, ?) ON CONFLICT (step_execution_id) DO UPDATE SET worker_id = EXCLUDED.worker_id,"
                            + " claimed_at = now()",
                    request.getStepExecutionId(),
                    partition.get("job_execution_id"),
                    id());
            log.debug("took {} (execution {})", partition.get("step_name"), partition.get("job_execution_id"));
            return new Taken(request);
        });
    }

    private static String rootMessage(Throwable e) {
        Throwable root = Causes.root(e);
        return String.valueOf(root.getMessage());
    }

    private void runPartition(StepExecutionRequest request) {
        try {
            StepExecution done = handler.handle(request);
            log.info("{} (execution {}) ended {}", done.getStepName(), done.getJobExecutionId(), done.getStatus());
        } catch (RuntimeException e) {
            log.error("partition request {} failed: {}", request, e.getMessage(), e);
        } finally {
            free.release();
        }
    }

    private void awaitWork() throws InterruptedException {
        notifications.await(draining);
    }
}
