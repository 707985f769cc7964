/**
 * The run-wide limits every partition consults before it spends money, one set per job execution: the counters
 * ({@link dev.imagegen.limits.RunCounters}), the budget and {@code run.max-images} ({@link dev.imagegen.limits.Budget}),
 * the skip limit ({@link dev.imagegen.limits.SkipLimit}), the circuit breaker
 * ({@link dev.imagegen.limits.CircuitBreaker}), a remote worker's share of the run
 * ({@link dev.imagegen.limits.WorkerShare}) and the stop they all end in ({@link dev.imagegen.limits.StopSignal}),
 * put together by {@link dev.imagegen.limits.RunGuard}. Also the two things the model's retry loop and the writers
 * ask of the run: {@link dev.imagegen.limits.RunStop} and {@link dev.imagegen.limits.RunFence}.
 *
 * <p>It depends only on {@code spec} and {@code ledger}, so that {@code model} (the retry loop) and {@code generate}
 * (the processor and the writer) may both use it.
 */
package dev.imagegen.limits;
