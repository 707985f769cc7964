-- Staging without rewriting: a nightly run whose source file and settings are exactly those of the dataset's last
-- complete staging works on that staging's rows instead of upserting every one of them again (100,000 rows cost
-- seconds of writes and WAL that change nothing).
--
-- prompt_staging: the dataset's last complete staging, with the fingerprint of what it read (the CSV file's bytes
-- and every setting that shapes a staged row). It is deleted before a staging writes its first row, so a staging
-- that did not finish can never be taken for a complete one.
CREATE TABLE prompt_staging (
    dataset            text          PRIMARY KEY,
    job_instance_id    bigint        NOT NULL,           -- the run whose stage step wrote the rows
    fingerprint        text          NOT NULL,
    rows_read          bigint        NOT NULL,           -- the stage step's read count (the summary's "prompts read")
    staged_at          timestamptz   NOT NULL DEFAULT now()
);

-- run_staging: which staging's rows a run works on (prompt.staged_instance_id); a run absent here staged its own.
-- A run that reused a staging is, like one that staged, the newest owner of the dataset's prompts (an older run's
-- restart is then superseded).
CREATE TABLE run_staging (
    job_instance_id    bigint        PRIMARY KEY,
    dataset            text          NOT NULL,
    staged_instance_id bigint        NOT NULL
);
