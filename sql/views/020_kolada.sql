-- Kolada values with their KPI and municipality names, as analysts read them.
-- Raw values may be shown with "Källa: Kolada".
CREATE OR REPLACE VIEW v_kolada_value AS
SELECT o.indicator_id AS kpi_id,
       k.title        AS kpi_title,
       o.unit_kind,
       o.unit_id      AS municipality_id,
       coalesce(m.title, g.title, u.title) AS municipality,
       o.year, o.gender, o.value, o.count, o.status, o.preliminary,
       o.load_id, o.loaded_at,
       'Källa: Kolada' AS source_note
FROM observation o
LEFT JOIN kpi k                ON k.kpi_id = o.indicator_id
LEFT JOIN municipality m       ON o.unit_kind = 'municipality' AND m.municipality_id = o.unit_id
LEFT JOIN municipality_group g ON o.unit_kind = 'group' AND g.group_id = o.unit_id
LEFT JOIN ou u                 ON o.unit_kind = 'ou' AND u.ou_id = o.unit_id
WHERE o.source = 'kolada';

-- One row per group and member.
CREATE OR REPLACE VIEW v_municipality_group_member AS
SELECT g.group_id, g.title AS group_title, gm.member_id, gm.member_title
FROM municipality_group g
JOIN municipality_group_member gm USING (group_id);
