package dev.imagegen;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * Marks configuration that needs a job file (the job, its steps, the model): left out of the context of commands
 * that only read the database, such as {@code status} without a job file.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ConditionalOnProperty(name = ImagegenApplication.JOB_PROPERTY, havingValue = "true", matchIfMissing = true)
public @interface JobScoped {}
