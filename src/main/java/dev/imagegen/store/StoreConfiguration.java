package dev.imagegen.store;

import dev.imagegen.JobScoped;
import dev.imagegen.spec.JobSpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

@JobScoped
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

    @Bean
    ImageStore imageStore(JobSpec spec, JsonMapper json) {
        return new ImageStore(spec.output().dir(), json);
    }
}
