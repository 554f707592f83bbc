-- Current observations: one row per key, from finished loads only.
CREATE OR REPLACE VIEW observation AS
SELECT source, indicator_id, unit_kind, unit_id,
       period_type, period_start, period_end, year,
       gender, regi, value, count, status, preliminary,
       valid_from_load AS load_id,
       valid_from      AS loaded_at
FROM observation_version
WHERE valid_to_load IS NULL;

-- Every version of every value, newest last.
CREATE OR REPLACE VIEW observation_history AS
SELECT source, indicator_id, unit_kind, unit_id,
       period_type, period_start, period_end, year,
       gender, regi, value, count, status, preliminary,
       valid_from_load, valid_to_load, valid_from, valid_to
FROM observation_version;

-- The observations as the store knew them at a moment:
--   SELECT * FROM observation_as_of(TIMESTAMPTZ '2025-06-01 00:00:00+02');
CREATE OR REPLACE MACRO observation_as_of(as_of) AS TABLE
SELECT source, indicator_id, unit_kind, unit_id,
       period_type, period_start, period_end, year,
       gender, regi, value, count, status, preliminary,
       valid_from_load AS load_id,
       valid_from      AS loaded_at
FROM observation_version
WHERE valid_from <= as_of
  AND (valid_to IS NULL OR valid_to > as_of);
