package dev.imagegen.remote;

import dev.imagegen.ImagegenApplication;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Present in a remote run's manager and in workers only; a local run does not touch the queue. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = ImagegenApplication.REMOTE_PROPERTY, havingValue = "true")
class RemoteConfiguration {

    @Bean
    PartitionQueue partitionQueue(DataSource dataSource) {
        return new PartitionQueue(dataSource);
    }
}
