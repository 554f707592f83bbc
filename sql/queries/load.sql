-- Named statements used by internal/store. Each block starts with
-- "-- name: Name" and runs as one Exec or Query (several statements allowed).

-- name: CreateStaging
-- Per-connection TEMP tables: nothing staged is visible to anyone else, and a
-- killed process leaves nothing behind.
CREATE OR REPLACE TEMP TABLE stage_observation (
    seq          BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    unit_kind    VARCHAR NOT NULL,
    unit_id      VARCHAR NOT NULL,
    period_type  VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    year         INTEGER NOT NULL,
    gender       VARCHAR NOT NULL,
    regi         VARCHAR NOT NULL,
    value        DOUBLE,
    count        BIGINT,
    status       VARCHAR,
    preliminary  BOOLEAN NOT NULL,
    is_deleted   BOOLEAN NOT NULL
);
CREATE OR REPLACE TEMP TABLE stage_scope (
    source       VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    unit_kind    VARCHAR NOT NULL,
    unit_id      VARCHAR,             -- NULL: every unit of the kind
    period_type  VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    period_start DATE                 -- NULL: every period of the type in the year
);
CREATE OR REPLACE TEMP TABLE stage_coverage (
    source       VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    scope        VARCHAR NOT NULL,
    year         INTEGER NOT NULL
);
CREATE OR REPLACE TEMP TABLE stage_kpi (
    seq BIGINT, kpi_id VARCHAR, title VARCHAR, description VARCHAR, operating_area VARCHAR,
    municipality_type VARCHAR, is_divided_by_gender BOOLEAN, has_ou_data BOOLEAN,
    auspice VARCHAR, perspective VARCHAR, publication_date DATE, prel_publication_date DATE,
    publ_period VARCHAR, raw VARCHAR
);
CREATE OR REPLACE TEMP TABLE stage_municipality (
    seq BIGINT, municipality_id VARCHAR, title VARCHAR, type VARCHAR
);
CREATE OR REPLACE TEMP TABLE stage_group (
    seq BIGINT, group_id VARCHAR, title VARCHAR
);
CREATE OR REPLACE TEMP TABLE stage_group_member (
    group_id VARCHAR, member_id VARCHAR, member_title VARCHAR
);
CREATE OR REPLACE TEMP TABLE stage_ou (
    seq BIGINT, ou_id VARCHAR, municipality_id VARCHAR, title VARCHAR
);

-- name: DropStaging
DROP TABLE IF EXISTS temp.stage_observation;
DROP TABLE IF EXISTS temp.stage_scope;
DROP TABLE IF EXISTS temp.stage_coverage;
DROP TABLE IF EXISTS temp.stage_kpi;
DROP TABLE IF EXISTS temp.stage_municipality;
DROP TABLE IF EXISTS temp.stage_group;
DROP TABLE IF EXISTS temp.stage_group_member;
DROP TABLE IF EXISTS temp.stage_ou;
DROP TABLE IF EXISTS temp.stage_unique;
DROP TABLE IF EXISTS temp.merge_plan;

-- name: StagedHasDuplicates
-- Whether some key was staged twice. Comparing 64-bit hashes is far cheaper
-- than deduplicating every load; a hash collision only costs a dedup.
SELECT count(*) <> count(DISTINCT hash(source, indicator_id, unit_kind, unit_id, period_type, period_start, gender, regi))
FROM stage_observation;

-- name: DeduplicateStaged
-- The last staged row per key wins (a value can arrive twice, for instance
-- when the pages of a changing answer shift under the reader).
CREATE OR REPLACE TEMP TABLE stage_unique AS
SELECT * FROM stage_observation
QUALIFY row_number() OVER (
    PARTITION BY source, indicator_id, unit_kind, unit_id, period_type, period_start, gender, regi
    ORDER BY seq DESC) = 1;
DROP TABLE temp.stage_observation;
ALTER TABLE temp.stage_unique RENAME TO stage_observation;

-- name: ClassifyStaged
-- One join of the staged rows against the current versions decides what
-- each delivered key needs. Keys that stay the same are left out, so that a
-- refresh with nothing new copies nothing.
CREATE OR REPLACE TEMP TABLE merge_plan AS
SELECT * FROM (
    SELECT s.*,
           CASE
               WHEN c.source IS NULL AND s.is_deleted THEN 'none'
               WHEN c.source IS NULL THEN 'insert'
               WHEN s.is_deleted THEN 'delete'
               WHEN c.value IS DISTINCT FROM s.value
                 OR c.count IS DISTINCT FROM s.count
                 OR c.status IS DISTINCT FROM s.status
                 OR c.preliminary IS DISTINCT FROM s.preliminary
                 OR c.period_end IS DISTINCT FROM s.period_end THEN 'update'
               ELSE 'same'
           END AS action
    FROM stage_observation s
    LEFT JOIN observation_version c
           ON c.valid_to_load IS NULL
          AND c.source = s.source AND c.indicator_id = s.indicator_id
          AND c.unit_kind = s.unit_kind AND c.unit_id = s.unit_id
          AND c.period_type = s.period_type AND c.period_start = s.period_start
          AND c.gender = s.gender AND c.regi = s.regi
)
WHERE action IN ('insert', 'update', 'delete');

-- name: CountPlan
SELECT
    count(*) FILTER (WHERE action = 'insert'),
    count(*) FILTER (WHERE action = 'update'),
    count(*) FILTER (WHERE action = 'delete')
FROM merge_plan;

-- name: EndVersionsOutsideRefresh
-- A refresh that covers a scope replaces it: current versions inside the scope
-- whose key the load did not deliver are ended. The scope (small) is joined
-- first on its equal columns; a scope's optional unit and period start then
-- filter. The delivered keys are matched with a LEFT JOIN, which DuckDB runs
-- as one hash join (NOT EXISTS was several times slower here).
-- $1 load id, $2 commit time.
UPDATE observation_version AS c
SET valid_to_load = $1, valid_to = $2
FROM (
    SELECT v.rowid AS rid
    FROM (
        SELECT v.rowid AS rowid, v.source, v.indicator_id, v.unit_kind, v.unit_id, v.period_type, v.period_start, v.gender, v.regi
        FROM observation_version v
        JOIN (SELECT DISTINCT source, indicator_id, unit_kind, period_type, year, period_start FROM stage_scope WHERE unit_id IS NULL) sc
          ON sc.source = v.source AND sc.indicator_id = v.indicator_id AND sc.unit_kind = v.unit_kind
         AND sc.period_type = v.period_type AND sc.year = v.year
        WHERE v.valid_to_load IS NULL
          AND (sc.period_start IS NULL OR sc.period_start = v.period_start)
        UNION
        SELECT v.rowid AS rowid, v.source, v.indicator_id, v.unit_kind, v.unit_id, v.period_type, v.period_start, v.gender, v.regi
        FROM observation_version v
        JOIN (SELECT DISTINCT source, indicator_id, unit_kind, unit_id, period_type, year, period_start FROM stage_scope WHERE unit_id IS NOT NULL) sc
          ON sc.source = v.source AND sc.indicator_id = v.indicator_id AND sc.unit_kind = v.unit_kind
         AND sc.unit_id = v.unit_id AND sc.period_type = v.period_type AND sc.year = v.year
        WHERE v.valid_to_load IS NULL
          AND (sc.period_start IS NULL OR sc.period_start = v.period_start)
    ) v
    LEFT JOIN stage_observation s
      ON s.source = v.source AND s.indicator_id = v.indicator_id
     AND s.unit_kind = v.unit_kind AND s.unit_id = v.unit_id
     AND s.period_type = v.period_type AND s.period_start = v.period_start
     AND s.gender = v.gender AND s.regi = v.regi
    WHERE s.source IS NULL
) gone
WHERE c.rowid = gone.rid;

-- name: EndChangedVersions
-- $1 load id, $2 commit time.
UPDATE observation_version AS c
SET valid_to_load = $1, valid_to = $2
FROM (SELECT * FROM merge_plan WHERE action IN ('update', 'delete')) p
WHERE c.valid_to_load IS NULL
  AND c.source = p.source AND c.indicator_id = p.indicator_id
  AND c.unit_kind = p.unit_kind AND c.unit_id = p.unit_id
  AND c.period_type = p.period_type AND c.period_start = p.period_start
  AND c.gender = p.gender AND c.regi = p.regi;

-- name: InsertNewVersions
-- $1 load id, $2 commit time.
INSERT INTO observation_version
    (source, indicator_id, unit_kind, unit_id, period_type, period_start, period_end, year,
     gender, regi, value, count, status, preliminary,
     valid_from_load, valid_to_load, valid_from, valid_to)
SELECT source, indicator_id, unit_kind, unit_id, period_type, period_start, period_end, year,
       gender, regi, value, count, status, preliminary,
       $1, NULL, $2, NULL
FROM merge_plan
WHERE action IN ('insert', 'update');

-- name: UpsertKPIs
-- $1 load id. A KPI is only rewritten when its record changed.
INSERT INTO kpi
SELECT kpi_id, title, description, operating_area, municipality_type, is_divided_by_gender,
       has_ou_data, auspice, perspective, publication_date, prel_publication_date, publ_period,
       raw::JSON, $1
FROM stage_kpi
QUALIFY row_number() OVER (PARTITION BY kpi_id ORDER BY seq DESC) = 1
ON CONFLICT (kpi_id) DO UPDATE SET
    title = excluded.title, description = excluded.description,
    operating_area = excluded.operating_area, municipality_type = excluded.municipality_type,
    is_divided_by_gender = excluded.is_divided_by_gender, has_ou_data = excluded.has_ou_data,
    auspice = excluded.auspice, perspective = excluded.perspective,
    publication_date = excluded.publication_date,
    prel_publication_date = excluded.prel_publication_date,
    publ_period = excluded.publ_period, raw = excluded.raw, updated_load = excluded.updated_load
WHERE kpi.raw::VARCHAR IS DISTINCT FROM excluded.raw::VARCHAR;

-- name: UpsertMunicipalities
INSERT INTO municipality
SELECT municipality_id, title, type, $1
FROM stage_municipality
QUALIFY row_number() OVER (PARTITION BY municipality_id ORDER BY seq DESC) = 1
ON CONFLICT (municipality_id) DO UPDATE SET
    title = excluded.title, type = excluded.type, updated_load = excluded.updated_load
WHERE municipality.title IS DISTINCT FROM excluded.title
   OR municipality.type IS DISTINCT FROM excluded.type;

-- name: UpsertGroups
-- Groups are kept when they disappear from the API: RKA re-matches peer groups
-- under new ids, and earlier years' groups are still needed.
INSERT INTO municipality_group
SELECT group_id, title, $1, $1, $1
FROM stage_group
QUALIFY row_number() OVER (PARTITION BY group_id ORDER BY seq DESC) = 1
ON CONFLICT (group_id) DO UPDATE SET
    title = excluded.title, updated_load = excluded.updated_load
WHERE municipality_group.title IS DISTINCT FROM excluded.title;

-- name: ReplaceGroupMembers
-- Members of every staged group become exactly the staged members.
DELETE FROM municipality_group_member m
WHERE m.group_id IN (SELECT group_id FROM stage_group)
  AND NOT EXISTS (
      SELECT 1 FROM stage_group_member s
      WHERE s.group_id = m.group_id AND s.member_id = m.member_id
        AND s.member_title IS NOT DISTINCT FROM m.member_title);
INSERT INTO municipality_group_member
SELECT DISTINCT ON (group_id, member_id) group_id, member_id, member_title
FROM stage_group_member s
WHERE NOT EXISTS (
    SELECT 1 FROM municipality_group_member m
    WHERE m.group_id = s.group_id AND m.member_id = s.member_id);

-- name: UpsertOUs
INSERT INTO ou
SELECT ou_id, municipality_id, title, $1
FROM stage_ou
QUALIFY row_number() OVER (PARTITION BY ou_id ORDER BY seq DESC) = 1
ON CONFLICT (ou_id) DO UPDATE SET
    municipality_id = excluded.municipality_id, title = excluded.title,
    updated_load = excluded.updated_load
WHERE ou.title IS DISTINCT FROM excluded.title
   OR ou.municipality_id IS DISTINCT FROM excluded.municipality_id;

-- name: RecordCoverage
-- $1 load id, $2 load start.
INSERT INTO load_coverage
SELECT DISTINCT source, indicator_id, scope, year, $1, $2 FROM stage_coverage
ON CONFLICT (source, indicator_id, scope, year) DO UPDATE SET
    load_id = excluded.load_id, started_at = excluded.started_at;

-- name: PreliminaryPairs
-- The (indicator, year) pairs of a source that have preliminary current values.
SELECT DISTINCT indicator_id, year FROM observation_version
WHERE valid_to_load IS NULL AND source = $1 AND preliminary
ORDER BY 1, 2;

-- name: RestageAsFinal
-- Stage the current preliminary values of one indicator and year again, as
-- final, unless the load already delivered the key (then its value wins).
-- $1 source, $2 indicator, $3 year.
INSERT INTO stage_observation
SELECT 0, v.source, v.indicator_id, v.unit_kind, v.unit_id, v.period_type, v.period_start, v.period_end, v.year,
       v.gender, v.regi, v.value, v.count, v.status, false, false
FROM observation_version v
WHERE v.valid_to_load IS NULL AND v.source = $1 AND v.indicator_id = $2 AND v.year = $3 AND v.preliminary
  AND NOT EXISTS (
      SELECT 1 FROM stage_observation s
      WHERE s.source = v.source AND s.indicator_id = v.indicator_id
        AND s.unit_kind = v.unit_kind AND s.unit_id = v.unit_id
        AND s.period_type = v.period_type AND s.period_start = v.period_start
        AND s.gender = v.gender AND s.regi = v.regi);

-- name: StageEndOfKind
-- Stage the end of every current value of a source whose unit is of one kind,
-- unless the load delivered the key itself. $1 source, $2 unit kind.
INSERT INTO stage_observation
SELECT 0, v.source, v.indicator_id, v.unit_kind, v.unit_id, v.period_type, v.period_start, v.period_end, v.year,
       v.gender, v.regi, v.value, v.count, v.status, v.preliminary, true
FROM observation_version v
WHERE v.valid_to_load IS NULL AND v.source = $1 AND v.unit_kind = $2
  AND NOT EXISTS (
      SELECT 1 FROM stage_observation s
      WHERE s.source = v.source AND s.indicator_id = v.indicator_id
        AND s.unit_kind = v.unit_kind AND s.unit_id = v.unit_id
        AND s.period_type = v.period_type AND s.period_start = v.period_start
        AND s.gender = v.gender AND s.regi = v.regi);

-- name: FirstLoadFinished
SELECT min(finished_at) FROM load WHERE status = 'ok';

-- name: LastLoadFinished
SELECT max(finished_at) FROM load WHERE status = 'ok';

-- name: BeginLoad
-- A load begins: running until FinishLoad or FailLoad. The file columns are
-- NULL (and the counts 0) for a load that reads no file.
INSERT INTO load (source, mode, started_at, status, params, tool_version,
	file_name, file_sha256, file_bytes, file_format, file_rows, rows_skipped, rows_refused, refused, quarantine_file)
VALUES ($1, $2, now(), 'running', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING load_id, started_at;

-- name: Now
SELECT now();

-- name: FinishLoad
UPDATE load SET status = 'ok', finished_at = $1, rows_read = $2, rows_inserted = $3,
	rows_updated = $4, rows_deleted = $5, requests = $6, rows_skipped = coalesce(rows_skipped, 0) + $7, error = NULL
WHERE load_id = $8;

-- name: FailLoad
UPDATE load SET status = 'failed', finished_at = now(), rows_read = $1, requests = $2, error = $3 WHERE load_id = $4;

-- name: FailAbandonedLoads
-- Only one process writes a store at a time, so a load running when a
-- writer opens it is dead.
UPDATE load SET status = 'failed', finished_at = now(),
	error = 'interrupted: the process ended before the load finished' WHERE status = 'running';

-- name: LastLoad
SELECT load_id, source, mode, status, started_at, finished_at, rows_read, rows_inserted,
	rows_updated, rows_deleted, requests, coalesce(error, ''), coalesce(file_name, '')
FROM load WHERE source = $1 AND status = $2
ORDER BY load_id DESC LIMIT 1;

-- name: Loads
SELECT load_id, source, mode, status, started_at, finished_at, rows_read, rows_inserted,
	rows_updated, rows_deleted, requests, coalesce(error, ''), coalesce(file_name, '')
FROM load ORDER BY load_id DESC LIMIT $1;

-- name: LoadsAfter
SELECT load_id, source, mode, status, started_at, finished_at, rows_read, rows_inserted,
	rows_updated, rows_deleted, requests, coalesce(error, ''), coalesce(file_name, '')
FROM load WHERE load_id > $1 ORDER BY load_id;

-- name: LoadedFile
-- The newest successful load of $1 that read a file with the SHA-256 $2.
SELECT load_id, source, mode, status, started_at, finished_at, rows_read, rows_inserted,
	rows_updated, rows_deleted, requests, coalesce(error, ''), coalesce(file_name, '')
FROM load WHERE source = $1 AND file_sha256 = $2 AND status = 'ok' ORDER BY load_id DESC LIMIT 1;

-- name: MaxLoadID
SELECT max(load_id) FROM load;

-- name: CoverageSince
SELECT indicator_id, scope, year, started_at FROM load_coverage WHERE source = $1;
