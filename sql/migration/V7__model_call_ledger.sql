-- The money ledger: one row per HTTP attempt that may have cost money, success or not: a call that brought images is
-- written in the same short transaction as its image rows, a call that brought none (with its failure rows) as soon
-- as it ends. Every figure a user sees (summary, status, report, metrics, the budget) is a sum over this table, so
-- it equals what the provider billed. generated_image.cost_usd stays as the per-image share for exports;
-- prompt_failure.cost_usd as the failed call's cost.
CREATE TABLE model_call (
    id                bigserial     PRIMARY KEY,
    dataset           text          NOT NULL,
    prompt_id         text          NOT NULL,
    variant           integer       NOT NULL,          -- the first variant the call asked for
    images_requested  integer       NOT NULL DEFAULT 1,
    images_stored     integer       NOT NULL DEFAULT 0, -- valid images kept from this answer
    attempt           integer       NOT NULL,          -- 1 for the first try of a call, 2 for its first retry, ...
    outcome           text          NOT NULL,          -- 'ok', 'adopted' (an image found on disk after a crash:
                                                       -- its call's row died with the crash), or the failure kind
    retried           boolean       NOT NULL DEFAULT false, -- another attempt of the same call followed this one
    http_status       integer,
    -- known: the provider stated it (usage.cost, plus upstream_inference_cost for BYOK);
    -- estimated: an answer arrived without a cost (priced from tokens or model.pricing);
    -- possibly_billed: no answer arrived after the request was sent (timeout, reset), counted at an estimate;
    -- none: the provider cannot have billed it (refused before any work: 401, 402, 429, ...).
    cost_usd          numeric(14, 8) NOT NULL DEFAULT 0,
    cost_basis        text          NOT NULL CHECK (cost_basis IN ('known', 'estimated', 'possibly_billed', 'none')),
    generation_id     text,
    model             text,
    provider          text,
    latency_ms        bigint,
    prompt_tokens     bigint,
    completion_tokens bigint,
    job_execution_id  bigint        NOT NULL,
    job_instance_id   bigint        NOT NULL,          -- the run: budgets span all of its executions
    called_at         timestamptz   NOT NULL DEFAULT now(),
    reconciled_at     timestamptz                      -- set by `imagegen reconcile` when it replaced the cost
);
CREATE INDEX model_call_by_instance ON model_call (job_instance_id);
CREATE INDEX model_call_by_execution ON model_call (job_execution_id);
CREATE INDEX model_call_recent ON model_call (dataset, id DESC);
CREATE INDEX model_call_unsettled ON model_call (dataset) WHERE cost_basis IN ('estimated', 'possibly_billed');
