-- What `nyckeltal status` reports besides the loads: counts, the sources'
-- values, the jobs and the newest failure.

-- name: StatusCounts
SELECT (SELECT count(*) FROM kpi), (SELECT count(*) FROM municipality), (SELECT count(*) FROM municipality_group),
	(SELECT count(*) FROM municipality_group_member), (SELECT count(*) FROM ou);

-- name: SourceValues
SELECT source,
       count(*) FILTER (WHERE valid_to_load IS NULL),
       count(*),
       count(DISTINCT indicator_id) FILTER (WHERE valid_to_load IS NULL)
FROM observation_version GROUP BY source
UNION ALL
SELECT DISTINCT source, 0, 0, 0 FROM load
WHERE source NOT IN (SELECT source FROM observation_version)
ORDER BY 1;

-- name: LastError
-- The newest failure of a job or a load.
SELECT failed_at, job, source, load_id, run_id, error FROM (
	SELECT finished_at AS failed_at, job, NULL AS source, NULL::BIGINT AS load_id, run_id, error
	FROM job_run WHERE status = 'failed'
	UNION ALL
	SELECT coalesce(finished_at, started_at), NULL, source, load_id, NULL, error
	FROM load WHERE status = 'failed')
ORDER BY failed_at DESC LIMIT 1;

-- name: RecordJobRun
INSERT INTO job_run (run_id, job, trigger, started_at, finished_at, status,
	load_ids, rows_read, rows_written, requests, error, host, pid, tool_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: LastJobSuccess
SELECT max(started_at) FROM job_run WHERE job = $1 AND status = 'ok';

-- name: JobStatuses
-- Per job, its newest run of each status.
SELECT job_run_id, run_id, job, trigger, status, started_at, finished_at,
	coalesce(load_ids, []::BIGINT[]), rows_read, rows_written, requests, coalesce(error, ''), coalesce(host, ''), coalesce(pid, 0)
FROM job_run
QUALIFY row_number() OVER (PARTITION BY job, status ORDER BY finished_at DESC, job_run_id DESC) = 1
ORDER BY job, status;

-- name: RunJobs
SELECT job_run_id, run_id, job, trigger, status, started_at, finished_at,
	coalesce(load_ids, []::BIGINT[]), rows_read, rows_written, requests, coalesce(error, ''), coalesce(host, ''), coalesce(pid, 0)
FROM job_run WHERE run_id = $1 ORDER BY job_run_id;
