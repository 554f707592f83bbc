-- Values that Kolada revised: every key with more than one version, with the
-- old and new value side by side and the loads that saw the change.
--   nyckeltal sql -f sql/analyses/revisions.sql
SELECT h.indicator_id, h.unit_id, h.year, h.gender,
       h.value        AS old_value,
       n.value        AS new_value,
       h.valid_to     AS revised_at,
       n.valid_from_load AS revising_load
FROM observation_history h
JOIN observation_history n
  ON n.source = h.source AND n.indicator_id = h.indicator_id
 AND n.unit_kind = h.unit_kind AND n.unit_id = h.unit_id
 AND n.period_type = h.period_type AND n.period_start = h.period_start
 AND n.gender = h.gender AND n.regi = h.regi
 AND n.valid_from_load = h.valid_to_load
ORDER BY revised_at DESC, h.indicator_id, h.unit_id, h.year;
