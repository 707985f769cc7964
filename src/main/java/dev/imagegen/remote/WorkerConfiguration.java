package dev.imagegen.remote;

import dev.imagegen.generate.ModelConfiguration;
import dev.imagegen.generate.PartitionStepConfiguration;
import dev.imagegen.store.StoreConfiguration;
import org.springframework.batch.core.scope.StepScope;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * What a worker's context of one run holds ({@link PartitionContexts}): exactly the configuration the partition
 * step needs — the step with its reader, processor, writer and run guard, the model client with its call gate, and
 * the image store — and not the job, staging or the manager step. The run's job file, rate limit and fence are
 * registered by {@link PartitionContexts}; the database and the job repository come from the worker's own context.
 *
 * <p>Deliberately not a {@code @Configuration}: the component scan of every other context would pick it up.
 */
@Import({PartitionStepConfiguration.class, ModelConfiguration.class, StoreConfiguration.class})
final class WorkerConfiguration {

    /** The step scope of the partitions' readers and writers (a scope is not inherited from the parent context). */
    @Bean
    static StepScope stepScope() {
        StepScope scope = new StepScope();
        scope.setAutoProxy(false); // the @StepScope beans carry their own proxies
        return scope;
    }
}
