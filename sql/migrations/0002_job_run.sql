-- 0004_job_run: one row per job of a run (`nyckeltal run`, the schedule
-- daemon, `schedule --once`). The daemon reads each job's last success from
-- here to catch up after downtime; `status` shows the last success and the last
-- failure of every job. A row is written when its job ends, in the same working
-- copy as the job's loads, so it is published together with them.

CREATE SEQUENCE job_run_id_seq START 1;

CREATE TABLE job_run (
    job_run_id   BIGINT PRIMARY KEY DEFAULT nextval('job_run_id_seq'),
    run_id       VARCHAR NOT NULL,            -- shared by the jobs of one run
    job          VARCHAR NOT NULL,            -- kolada, kolada-full, inbox, derived …
    trigger      VARCHAR NOT NULL,            -- run | schedule | catch-up | once | recovered
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('ok', 'failed')),
    load_ids     BIGINT[],                    -- the loads the job wrote (see table load)
    rows_read    BIGINT NOT NULL DEFAULT 0,
    rows_written BIGINT NOT NULL DEFAULT 0,   -- new, changed and ended versions
    requests     BIGINT NOT NULL DEFAULT 0,
    error        VARCHAR,
    host         VARCHAR,
    pid          INTEGER,
    tool_version VARCHAR
);
