-- Job runs with their duration, newest first; and per job its last success and
-- last failure, what monitoring asks about.
CREATE OR REPLACE VIEW v_job_run AS
SELECT job_run_id, run_id, job, trigger, status, started_at, finished_at,
       finished_at - started_at AS duration, load_ids, rows_read, rows_written, requests, error, host, pid
FROM job_run;

CREATE OR REPLACE VIEW v_job_last AS
SELECT job,
       max(finished_at) FILTER (WHERE status = 'ok')     AS last_success,
       max(finished_at) FILTER (WHERE status = 'failed') AS last_failure,
       arg_max(error, finished_at) FILTER (WHERE status = 'failed') AS last_error
FROM job_run
GROUP BY job;
