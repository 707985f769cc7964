-- Spring Batch's schema has no index on the step executions' job execution, so every lookup of a step's last
-- execution (made once per partition when a run splits its generate step, and when a partition starts) scans every
-- step execution the database ever recorded: with a nightly run of 2,048 partitions, a year of nights makes each
-- split read hundreds of millions of rows. These serve JdbcStepExecutionDao's queries (by job execution; by job
-- execution and step name, joined from the job instance's executions).
CREATE INDEX batch_step_execution_by_job ON batch_step_execution (job_execution_id, step_name);
CREATE INDEX batch_job_execution_by_instance ON batch_job_execution (job_instance_id);
