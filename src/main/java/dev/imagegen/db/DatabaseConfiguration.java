package dev.imagegen.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.boot.batch.autoconfigure.BatchTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.support.JdbcTransactionManager;

/** The job's database and its connection pool: at most 10 connections, whatever the concurrency. */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    static final int MAX_POOL = 10;

    @Bean(destroyMethod = "close")
    ImagegenDatabase imagegenDatabase(Environment env) {
        String url = env.getProperty("IMAGEGEN_DB_URL");
        if (url != null && !url.isBlank()) {
            return ImagegenDatabase.external(
                    url, env.getProperty("IMAGEGEN_DB_USER"), env.getProperty("IMAGEGEN_DB_PASSWORD"));
        }
        return ImagegenDatabase.embedded(Path.of(env.getProperty("IMAGEGEN_HOME", ".imagegen")));
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(ImagegenDatabase database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(MAX_POOL);
        config.setMinimumIdle(1);
        config.setPoolName("imagegen");
        config.setConnectionTimeout(30_000);
        return new HikariDataSource(config);
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

    /** Spring Batch's own tables, from the script shipped in its jar, as the first versioned migration. */
    @Bean
    V1__SpringBatchSchema springBatchSchema() {
        return new V1__SpringBatchSchema();
    }
}
