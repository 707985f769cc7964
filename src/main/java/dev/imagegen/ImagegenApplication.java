package dev.imagegen;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.imagegen.spec.JobSpec;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Spring context of one command: the job file's {@link JobSpec} as a bean, the database, Spring Batch's job
 * repository (JDBC, in the same database) and the job's steps.
 */
@SpringBootApplication
public class ImagegenApplication {

    /** Starts a context for one job file; extra properties (e.g. {@code IMAGEGEN_DB_URL}) override the environment. */
    public static ConfigurableApplicationContext start(JobSpec spec, Map<String, Object> properties) {
        SpringApplication app = new SpringApplication(ImagegenApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.setRegisterShutdownHook(false);
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.batch.job.enabled", "false");
        defaults.put("spring.batch.jdbc.initialize-schema", "never");
        defaults.put("spring.flyway.locations", "classpath:db/migration");
        defaults.putAll(properties);
        app.setDefaultProperties(defaults);
        app.addInitializers(ctx -> ctx.getBeanFactory().registerSingleton("jobSpec", spec));
        return app.run();
    }
}
