-- name: GroupTitlesToRead
-- The groups whose titles may be "Liknande kommuner" peer groups (the reader
-- decides): however spaced or cased, the ASCII words survive any mangling.
SELECT group_id, title FROM municipality_group
WHERE title ILIKE '%liknande%kommuner%'
ORDER BY group_id;

-- name: MunicipalityNames
SELECT municipality_id, title, coalesce(type, '') FROM municipality ORDER BY municipality_id;

-- name: StoredGroupTitles
SELECT group_id, title, area_text, area_key, municipality_name, municipality_id, named_municipality_id,
       group_year, problem, problem_text, reader_version
FROM nka_group_title ORDER BY group_id;

-- name: DeleteGroupTitles
DELETE FROM nka_group_title;

-- name: InsertGroupTitles
-- $1: a JSON array of the rows, written in one statement.
INSERT INTO nka_group_title
SELECT r.group_id, r.title, r.area_text, r.area_key, r.municipality_name, r.municipality_id, r.named_municipality_id,
       r.group_year, r.problem, r.problem_text, r.reader_version
FROM (SELECT unnest(from_json($1::VARCHAR,
        '[{"group_id":"VARCHAR","title":"VARCHAR","area_text":"VARCHAR","area_key":"VARCHAR",
           "municipality_name":"VARCHAR","municipality_id":"VARCHAR","named_municipality_id":"VARCHAR",
           "group_year":"INTEGER","problem":"VARCHAR","problem_text":"VARCHAR","reader_version":"INTEGER"}]')) AS r);

-- name: NKAAreas
SELECT area, title, pct_kpi, coalesce(mnkr_kpi, ''), coalesce(net_cost_kpi, ''), coalesce(population_kpi, ''),
       group_title, coalesce(group_keys, []::VARCHAR[]), min_abs_pct, sort_order
FROM nka_area ORDER BY sort_order, area;

-- name: DeleteNKAAreas
DELETE FROM nka_area;

-- name: InsertNKAArea
INSERT INTO nka_area (area, title, pct_kpi, mnkr_kpi, net_cost_kpi, population_kpi, group_title, group_keys, min_abs_pct, sort_order)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::VARCHAR[], $9, $10);

-- name: NKAGroupProblems
-- The "Liknande kommuner" groups that are not used, and why (v_nka_group_problem).
SELECT group_id, group_title, problem, problem_text, coalesce(municipality_id, ''), coalesce(municipality, ''),
       coalesce(area, '')
FROM v_nka_group_problem
ORDER BY problem = 'superseded', municipality_id NULLS LAST, group_id;
