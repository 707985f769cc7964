-- The OpenAI Batch API provider (model.provider: openai-batch). A batch is persisted as an intent (its requests and
-- a random token) before it is created, and its batch id right after; the token goes with the batch as metadata, so a
-- restart after a crash between the two finds the batch (GET /v1/batches) and adopts it instead of creating another.
CREATE TABLE openai_batch (
    id                 bigserial      PRIMARY KEY,
    dataset            text           NOT NULL,
    job_instance_id    bigint         NOT NULL,           -- the run that submitted it
    job_execution_id   bigint         NOT NULL,
    part               integer        NOT NULL,           -- its number among the run's batches
    endpoint           text           NOT NULL,           -- /v1/images/generations or /v1/images/edits
    intent             text           NOT NULL UNIQUE,    -- metadata imagegen_intent: how a restart finds it
    requests           integer        NOT NULL,
    input_bytes        bigint         NOT NULL,
    input_file_id      text,                              -- set once the input file is uploaded
    batch_id           text           UNIQUE,             -- set once the batch is created (or adopted)
    status             text           NOT NULL DEFAULT 'intent', -- 'intent' until created, then the API's status
    completed          integer        NOT NULL DEFAULT 0, -- the API's request_counts
    failed             integer        NOT NULL DEFAULT 0,
    output_file_id     text,
    error_file_id      text,
    errors             text,                              -- a failed batch's errors, as the API gave them
    estimated_cost_usd numeric(14, 8) NOT NULL DEFAULT 0, -- reserved against run.max-cost-usd until collected
    created_at         timestamptz    NOT NULL DEFAULT now(),
    submitted_at       timestamptz,
    polled_at          timestamptz,
    expires_at         timestamptz,
    collected_at       timestamptz                        -- results stored; what it did not run is pending again
);
CREATE INDEX openai_batch_open ON openai_batch (dataset) WHERE collected_at IS NULL;

-- One row per request of a batch. custom_id is a stable id of (dataset, prompt, variant, request hash); collected is
-- set in the same transaction as the image or failure row of its result, so a collect that resumes skips it.
CREATE TABLE openai_batch_request (
    batch              bigint         NOT NULL REFERENCES openai_batch (id) ON DELETE CASCADE,
    custom_id          text           NOT NULL,
    prompt_id          text           NOT NULL,
    variant            integer        NOT NULL,
    request_hash       text           NOT NULL,
    collected          boolean        NOT NULL DEFAULT false,
    PRIMARY KEY (batch, custom_id)
);
CREATE INDEX openai_batch_request_by_prompt ON openai_batch_request (prompt_id, variant);
