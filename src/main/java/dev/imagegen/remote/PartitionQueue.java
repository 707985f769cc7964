package dev.imagegen.remote;

import javax.sql.DataSource;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.jdbc.store.JdbcChannelMessageStore;
import org.springframework.integration.jdbc.store.channel.PostgresChannelMessageStoreQueryProvider;
import org.springframework.integration.store.MessageGroupQueue;

/**
 * The partition requests on their way from managers to workers: a Spring Integration queue channel whose messages
 * are rows of {@code int_channel_message} in the job's own PostgreSQL ({@link JdbcChannelMessageStore} with the
 * PostgreSQL query provider), so no message broker is needed. One queue serves every dataset: a worker runs the
 * partitions of whichever run sent them.
 */
public final class PartitionQueue {

    static final String REGION = "imagegen";
    static final String GROUP = "imagegen-partition-requests";

    private final JdbcChannelMessageStore store;
    private final QueueChannel channel;

    PartitionQueue(DataSource dataSource) {
        store = new JdbcChannelMessageStore(dataSource);
        store.setChannelMessageStoreQueryProvider(new PostgresChannelMessageStoreQueryProvider());
        store.setRegion(REGION);
        // Messages are Java-serialized; only a message carrying a request may be read back.
        store.addAllowedPatterns(
                "java.lang.*", "java.util.*", "org.springframework.messaging.*", StepExecutionRequest.class.getName());
        store.afterPropertiesSet();
        channel = new QueueChannel(new MessageGroupQueue(store, GROUP));
        channel.setBeanName(GROUP);
    }

    /** Manager: send to it. Worker: {@code receive(0)} inside a transaction, which takes one request or none. */
    public QueueChannel channel() {
        return channel;
    }

    /** Requests queued and not taken by a worker yet. */
    public int size() {
        return store.messageGroupSize(GROUP);
    }

    String region() {
        return REGION;
    }

    Object group() {
        return GROUP;
    }
}
