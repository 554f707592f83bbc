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

-- Group values, computed from the members' values in the store: per group,
-- KPI, year and kön the unweighted mean of the members that have a value —
-- the way Kolada computed group values in v2, and the way the NKA comparison
-- computes its peers'. Kolada's API is never asked for group values: v3 may
-- not compute them (docs/KOLADA-API.md). A member without a value is named in
-- missing_members and in the note; a mean over fewer members than the group
-- has says so. These are "egen bearbetning av data från Kolada", not Kolada's
-- own figures.
CREATE OR REPLACE VIEW v_kolada_group_value AS
WITH members AS (
    SELECT g.group_id, g.title AS group_title, gm.member_id,
           coalesce(m.title, gm.member_title, gm.member_id) AS member,
           count(*) OVER (PARTITION BY g.group_id) AS members
    FROM municipality_group g
    JOIN municipality_group_member gm USING (group_id)
    LEFT JOIN municipality m ON m.municipality_id = gm.member_id
), member_values AS (
    SELECT o.indicator_id, o.unit_id AS member_id, o.year, o.gender, o.value, o.preliminary
    FROM observation o
    WHERE o.source = 'kolada' AND o.unit_kind = 'municipality' AND o.period_type = 'year' AND o.regi = 'alla'
), keys AS (
    SELECT DISTINCT mb.group_id, v.indicator_id, v.year, v.gender
    FROM members mb
    JOIN member_values v USING (member_id)
), vals AS (
    SELECT k.group_id, mb.group_title, mb.members, k.indicator_id, k.year, k.gender, mb.member, v.value, v.preliminary
    FROM keys k
    JOIN members mb USING (group_id)
    LEFT JOIN member_values v
           ON v.member_id = mb.member_id AND v.indicator_id = k.indicator_id AND v.year = k.year AND v.gender = k.gender
), agg AS (
    SELECT group_id, group_title, indicator_id, year, gender,
           avg(value)                    AS value,
           count(value)                  AS members_with_value,
           any_value(members)            AS members,
           coalesce(bool_or(preliminary) FILTER (WHERE value IS NOT NULL), false) AS preliminary,
           coalesce(list_sort(list(member) FILTER (WHERE value IS NULL)), []::VARCHAR[]) AS missing_members
    FROM vals
    GROUP BY ALL
)
SELECT a.group_id, a.group_title, a.indicator_id AS kpi_id, k.title AS kpi_title, a.year, a.gender,
       a.value, a.members_with_value, a.members, a.preliminary, a.missing_members,
       CASE WHEN a.members_with_value = 0 THEN 'ingen medlem har värde'
            WHEN a.members_with_value < a.members
            THEN printf('medelvärde utan viktning av %d av %d medlemmar (utan värde: %s)',
                        a.members_with_value, a.members, array_to_string(a.missing_members, ', '))
            ELSE printf('medelvärde utan viktning av alla %d medlemmar', a.members)
       END AS note,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note
FROM agg a
LEFT JOIN kpi k ON k.kpi_id = a.indicator_id;

-- What the Kolada probe found, newest probe first (`nyckeltal kolada probe`).
CREATE OR REPLACE VIEW v_kolada_probe AS
SELECT p.probe_id, p.base_url, p.probed_at, p.trigger, f.behaviour, f.answer, f.status, f.url, f.detail
FROM kolada_probe p
JOIN kolada_probe_finding f USING (probe_id)
ORDER BY p.probed_at DESC, p.probe_id DESC, f.behaviour;
