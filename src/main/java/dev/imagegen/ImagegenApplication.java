package dev.imagegen;

import dev.imagegen.db.DatabaseStartup;
import dev.imagegen.spec.JobSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The Spring context of one command: the job file's {@link JobSpec} as a bean, the database, Spring Batch's job
 * repository (JDBC, in the same database) and the job's steps.
 */
@SpringBootApplication
public class ImagegenApplication {

    /** false in contexts without a job file: see {@link JobScoped}. */
    public static final String JOB_PROPERTY = "imagegen.job";
    /**
     * true in a remote run's manager and in workers: the partition queue in the database, and the remote manager step
     * in place of the local one. In a context with a job file it is the job file's {@code run.workers}.
     */
    public static final String REMOTE_PROPERTY = "imagegen.remote";

    /** A context with the database only, for commands that read it without a job file. */
    public static ConfigurableApplicationContext startWithoutJob() {
        return start(null, Map.of(JOB_PROPERTY, "false"));
    }

    /** The context of {@code imagegen worker}: the database, the job repository and the partition queue, no job file. */
    public static ConfigurableApplicationContext startWorker() {
        return start(null, Map.of(JOB_PROPERTY, "false", REMOTE_PROPERTY, "true"));
    }

    /** Starts a context for one job file (null: none); extra properties (e.g. {@code IMAGEGEN_DB_URL}) override the environment. */
    public static ConfigurableApplicationContext start(JobSpec spec, Map<String, Object> properties) {
        SpringApplication app = new SpringApplication(ImagegenApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.setRegisterShutdownHook(false);
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.batch.job.enabled", "false");
        defaults.put("spring.batch.jdbc.initialize-schema", "never");
        // DatabaseStartup migrates the schema while the context is built.
        defaults.put("spring.flyway.enabled", "false");
        app.setDefaultProperties(defaults);
        Map<String, Object> overrides = new LinkedHashMap<>(properties);
        if (spec != null) {
            // The job file decides which generate step the context holds, whatever the environment says.
            overrides.put(REMOTE_PROPERTY, String.valueOf(spec.run().remote()));
        }
        StandardEnvironment env = new StandardEnvironment();
        if (!overrides.isEmpty()) {
            // First in line: these win over system properties and environment variables.
            env.getPropertySources().addFirst(new MapPropertySource("imagegen", overrides));
        }
        app.setEnvironment(env);
        // The database starts on its own thread while the context is built; the context's beans claim it.
        DatabaseStartup database = DatabaseStartup.begin(env);
        app.addInitializers(ctx -> {
            ctx.getBeanFactory().registerSingleton("databaseStartup", database);
            if (spec != null) {
                ctx.getBeanFactory().registerSingleton("jobSpec", spec);
            }
        });
        try {
            return app.run();
        } catch (RuntimeException | Error e) {
            database.abandon();
            throw e;
        }
    }
}
