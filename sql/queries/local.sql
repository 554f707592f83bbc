-- Named statements for file loads (WebFOCUS, Treserva, indicator files).

-- name: CreateLocalStaging
CREATE OR REPLACE TEMP TABLE stage_local_indicator (
    seq BIGINT, indicator_id VARCHAR, source VARCHAR, title VARCHAR, unit VARCHAR,
    source_system VARCHAR, description VARCHAR
);
-- Personal data (pseudonymised) lives here only for the few seconds of a load,
-- in this connection's memory.
CREATE OR REPLACE TEMP TABLE stage_treserva_decision (
    line INTEGER, person VARCHAR, key_id VARCHAR, birth_year INTEGER, gender VARCHAR,
    insats_group VARCHAR, insats VARCHAR, lagrum VARCHAR, application_date DATE,
    decision_date DATE, granted BOOLEAN, offered_date DATE, executed_date DATE,
    ended_date DATE, utforare VARCHAR, regi VARCHAR, enhet VARCHAR, extract_date DATE
);

-- name: DropLocalStaging
DROP TABLE IF EXISTS temp.stage_local_indicator;
DROP TABLE IF EXISTS temp.stage_treserva_decision;

-- name: UpsertLocalIndicators
-- $1 load id. A field the load left empty keeps its stored value.
INSERT INTO local_indicator
SELECT indicator_id, source, title, unit, source_system, description, $1
FROM stage_local_indicator
QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY seq DESC) = 1
ON CONFLICT (indicator_id) DO UPDATE SET
    source = excluded.source,
    title = coalesce(excluded.title, local_indicator.title),
    unit = coalesce(excluded.unit, local_indicator.unit),
    source_system = coalesce(excluded.source_system, local_indicator.source_system),
    description = coalesce(excluded.description, local_indicator.description),
    updated_load = excluded.updated_load
WHERE local_indicator.source IS DISTINCT FROM excluded.source
   OR local_indicator.title IS DISTINCT FROM coalesce(excluded.title, local_indicator.title)
   OR local_indicator.unit IS DISTINCT FROM coalesce(excluded.unit, local_indicator.unit)
   OR local_indicator.source_system IS DISTINCT FROM coalesce(excluded.source_system, local_indicator.source_system)
   OR local_indicator.description IS DISTINCT FROM coalesce(excluded.description, local_indicator.description);

-- name: InsertTreservaDecisions
-- $1 load id.
INSERT INTO treserva_decision
SELECT $1, line, person, key_id, birth_year, gender, insats_group, insats, lagrum,
       application_date, decision_date, granted, offered_date, executed_date, ended_date,
       utforare, regi, enhet, extract_date
FROM stage_treserva_decision;
