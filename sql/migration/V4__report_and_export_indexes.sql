-- Reports read one run's rows (job_instance_id); exports walk a dataset in (prompt_id, variant) order, optionally
-- one run's or a creation-time range. The primary key serves the dataset-wide walk; these serve the others.
CREATE INDEX generated_image_by_instance ON generated_image (job_instance_id, prompt_id, variant);
CREATE INDEX generated_image_by_created ON generated_image (dataset, created_at);
CREATE INDEX prompt_failure_by_instance ON prompt_failure (job_instance_id, kind);
