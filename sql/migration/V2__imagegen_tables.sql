-- The job's own tables. V1 (Spring Batch's job repository) runs from the script in the spring-batch-core jar.

-- One row per prompt of a dataset, as last staged from the source.
CREATE TABLE prompt (
    dataset            text        NOT NULL,
    prompt_id          text        NOT NULL,
    prompt             text        NOT NULL,               -- the source text
    rendered_prompt    text        NOT NULL,               -- after model.prompt-template
    attributes         jsonb       NOT NULL DEFAULT '{}',  -- the source row's other columns
    request_hash       text        NOT NULL,               -- sha256 over all that shapes the picture
    bucket             integer     NOT NULL,               -- stable hash bucket of prompt_id, for partitioning
    source_line        bigint,
    staged_instance_id bigint      NOT NULL,               -- the run (Batch job instance) that last saw the row
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, prompt_id)
);
CREATE INDEX prompt_by_run ON prompt (dataset, staged_instance_id, prompt_id);

-- One row per image: the idempotency key is (dataset, prompt_id, variant) with the request hash.
CREATE TABLE generated_image (
    dataset            text          NOT NULL,
    prompt_id          text          NOT NULL,
    variant            integer       NOT NULL,
    file_path          text          NOT NULL,  -- relative to output.dir
    media_type         text          NOT NULL,
    width              integer       NOT NULL,
    height             integer       NOT NULL,
    bytes              bigint        NOT NULL,
    sha256             text          NOT NULL,
    request_hash       text          NOT NULL,
    model              text,                    -- the model that actually answered
    provider           text,
    generation_id      text,
    seed               bigint,
    cost_usd           numeric(14, 8),
    cost_estimated     boolean       NOT NULL DEFAULT false,
    prompt_tokens      bigint,
    completion_tokens  bigint,
    latency_ms         bigint,
    attempts           integer       NOT NULL DEFAULT 1,
    adopted            boolean       NOT NULL DEFAULT false,  -- found on disk after a crash, not generated again
    job_execution_id   bigint        NOT NULL,
    job_instance_id    bigint        NOT NULL,
    created_at         timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, prompt_id, variant)
);
CREATE INDEX generated_image_by_execution ON generated_image (job_execution_id);

-- One row per skipped or failed call; the next successful generation sets resolved_at.
CREATE TABLE prompt_failure (
    id                 bigserial     PRIMARY KEY,
    dataset            text          NOT NULL,
    prompt_id          text          NOT NULL,
    variant            integer       NOT NULL,
    kind               text          NOT NULL,
    http_status        integer,
    message            text,
    attempts           integer       NOT NULL,
    cost_usd           numeric(14, 8),         -- what the provider billed for the failed call, if anything
    job_execution_id   bigint        NOT NULL,
    job_instance_id    bigint        NOT NULL,
    failed_at          timestamptz   NOT NULL DEFAULT now(),
    resolved_at        timestamptz
);
CREATE INDEX prompt_failure_open ON prompt_failure (dataset, prompt_id) WHERE resolved_at IS NULL;
CREATE INDEX prompt_failure_by_execution ON prompt_failure (job_execution_id);

-- Source rows that could not become prompts: wrong field count, empty prompt, duplicate id, ...
CREATE TABLE source_reject (
    id                 bigserial     PRIMARY KEY,
    dataset            text          NOT NULL,
    source             text          NOT NULL,
    line               bigint,
    prompt_id          text,
    reason             text          NOT NULL,
    content            text,
    job_execution_id   bigint        NOT NULL,
    job_instance_id    bigint        NOT NULL,
    rejected_at        timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX source_reject_by_execution ON source_reject (job_execution_id);
