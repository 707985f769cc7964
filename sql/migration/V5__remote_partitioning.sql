-- Remote partitioning (run.workers: remote): the manager and the workers share only this database.

-- The queue of partition requests (Spring Batch StepExecutionRequest messages) from managers to workers: the table
-- of Spring Integration's JdbcChannelMessageStore with its PostgreSQL query provider (the INT_ prefix and columns
-- are the ones that store expects). A poll deletes the oldest row with FOR UPDATE SKIP LOCKED, so workers never
-- block each other.
CREATE SEQUENCE int_message_seq START WITH 1 INCREMENT BY 1 NO CYCLE;

CREATE TABLE int_channel_message (
    message_id        char(36)     NOT NULL,
    group_key         char(36)     NOT NULL,
    created_date      bigint       NOT NULL,
    message_priority  bigint,
    message_sequence  bigint       NOT NULL DEFAULT nextval('int_message_seq'),
    message_content   bytea,
    region            varchar(100) NOT NULL,
    CONSTRAINT int_channel_message_pk PRIMARY KEY (region, group_key, created_date, message_sequence)
);
CREATE INDEX int_channel_msg_delete_idx ON int_channel_message (region, group_key, message_id);

-- Workers LISTEN on this channel (PostgresChannelMessageTableSubscriber) and take a request as soon as it is
-- queued; they also poll, so a connection pooler that drops LISTEN only adds latency.
CREATE FUNCTION int_channel_message_notify_fct() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('int_channel_message_notify', NEW.region || ' ' || NEW.group_key);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER int_channel_message_notify_trg
    AFTER INSERT ON int_channel_message
    FOR EACH ROW EXECUTE PROCEDURE int_channel_message_notify_fct();

-- One row per worker process: the manager treats a worker whose lease has run out as dead.
CREATE TABLE remote_worker (
    worker_id     text        PRIMARY KEY,
    host          text        NOT NULL,
    pid           bigint      NOT NULL,
    concurrency   integer     NOT NULL,          -- partitions it runs at once (imagegen worker --concurrency)
    started_at    timestamptz NOT NULL DEFAULT now(),
    lease_until   timestamptz NOT NULL,          -- renewed every third of the lease (imagegen worker --lease)
    stopped_at    timestamptz                    -- set when it left after SIGTERM
);

-- Which worker took which partition (step execution). A partition still running whose worker's lease ran out is
-- marked FAILED by the manager, so the run ends FAILED and a restart redoes only that partition.
CREATE TABLE partition_claim (
    step_execution_id  bigint      PRIMARY KEY,
    job_execution_id   bigint      NOT NULL,
    worker_id          text        NOT NULL REFERENCES remote_worker (worker_id),
    claimed_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partition_claim_by_execution ON partition_claim (job_execution_id);

-- run.requests-per-minute of a remote run: one bucket4j token bucket per job execution, shared by its workers
-- (SELECT ... FOR UPDATE per call), so the limit is the run's and not each worker's.
CREATE TABLE rate_bucket (
    id     bigint PRIMARY KEY,                   -- the job execution id
    state  bytea
);
