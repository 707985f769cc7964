package dev.imagegen.db;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.boot.batch.autoconfigure.BatchTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * The job's database and its connection pool, made ready by the {@link DatabaseStartup} the context was started with
 * (see {@code ImagegenApplication.start}); the context closes them: the pool first, then the database.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    @Bean(destroyMethod = "close")
    ImagegenDatabase imagegenDatabase(DatabaseStartup startup) {
        return startup.database();
    }

    /** Depends on the database bean so that the context closes the pool before it leaves the database. */
    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DatabaseStartup startup, @SuppressWarnings("unused") ImagegenDatabase database) {
        return startup.dataSource();
    }

    /** The application's transactions: synchronous commits (image, failure and cost rows; staging). */
    @Bean
    @Primary
    JdbcTransactionManager transactionManager(DataSource dataSource) {
        return new JdbcTransactionManager(dataSource);
    }

    /** The job repository's own transactions: see {@link BookkeepingTransactionManager}. */
    @Bean
    @BatchTransactionManager
    BookkeepingTransactionManager batchTransactionManager(DataSource dataSource) {
        return new BookkeepingTransactionManager(dataSource);
    }
}
