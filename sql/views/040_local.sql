-- The municipality's own indicators (WebFOCUS, Treserva, indicator files) with
-- their names, units and source systems, as analysts read them.
CREATE OR REPLACE VIEW v_local_value AS
SELECT o.source,
       o.indicator_id,
       li.title,
       li.unit,
       li.source_system,
       o.unit_kind,
       o.unit_id,
       CASE WHEN o.unit_kind = 'municipality' THEN coalesce(m.title, o.unit_id) ELSE o.unit_id END AS unit_name,
       o.period_type, o.period_start, o.period_end, o.year,
       CASE o.period_type
           WHEN 'year'    THEN o.year::VARCHAR
           WHEN 'quarter' THEN o.year || ' kvartal ' || quarter(o.period_start)
           WHEN 'interim' THEN o.year || ' delår jan–' ||
               ['jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'][month(o.period_end)]
           ELSE strftime(o.period_start, '%Y-%m')
       END AS period_label,
       o.gender, o.regi, o.value, o.count, o.status, o.preliminary,
       o.load_id, o.loaded_at, l.file_name,
       CASE o.source
           WHEN 'treserva' THEN 'Källa: Treserva. Beräkningar: egen bearbetning.'
           ELSE 'Källa: ' || coalesce(li.source_system, 'egen uppföljning') || '.'
       END AS source_note
FROM observation o
LEFT JOIN local_indicator li ON li.indicator_id = o.indicator_id
LEFT JOIN municipality m     ON o.unit_kind = 'municipality' AND m.municipality_id = o.unit_id
LEFT JOIN load l             ON l.load_id = o.load_id
WHERE o.source IN ('webfocus', 'treserva', 'indicators');

-- Every indicator the store can name: Kolada KPIs and local codes.
CREATE OR REPLACE VIEW v_indicator AS
SELECT kpi_id AS indicator_id, 'kolada' AS source, title, NULL::VARCHAR AS unit,
       'Kolada' AS source_system, description
FROM kpi
UNION ALL
SELECT indicator_id, source, title, unit, source_system, description
FROM local_indicator;

-- File loads: which file, its hash, what was read, skipped and refused.
CREATE OR REPLACE VIEW v_file_load AS
SELECT load_id, source, status, started_at, finished_at, file_name, file_format, file_sha256,
       file_bytes, file_rows, rows_skipped, rows_refused, rows_read AS values_read,
       rows_inserted, rows_updated, rows_deleted, quarantine_file, refused, error
FROM load
WHERE file_sha256 IS NOT NULL;

-- PERSONAL DATA (pseudonymised): the decisions of the newest Treserva extract
-- (latest extract date, then latest load) that kept its decisions.
CREATE OR REPLACE VIEW treserva_decision_current AS
SELECT d.*
FROM treserva_decision d
WHERE d.load_id = (
    SELECT d2.load_id FROM treserva_decision d2
    JOIN load l ON l.load_id = d2.load_id AND l.status = 'ok'
    ORDER BY d2.extract_date DESC, d2.load_id DESC
    LIMIT 1);
