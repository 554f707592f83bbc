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

-- name: NKAGap
-- The gap rows of nka_gap (sql/views/040_nka.sql) for the areas $11 and,
-- when $12 is not NULL, the years $12; without the comparison set's members
-- and the trend's points (NKAGapDetail): turning the lists into Go values
-- costs more than the rest of a whole country's rows.
SELECT municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
	peer_group_id, peer_group_title, peer_group_year, group_choice, group_choice_text, peer_members, peer_count,
	peer_mean_pct, peer_median_pct, comparator, comparator_pct, gap_pp, reference_cost_mnkr, reference_cost_method,
	reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr, gap_mnkr, preliminary, missing_peers, load_id,
	coalesce(note, ''), target, peer_trend, target_year, comparator_group, comparator_group_title, comparator_members,
	comparator_count, comparator_missing, comparator_stat_pct, trend_slope_pp, trend_from_year, trend_to_year,
	comparator_projected_pct, comparator_text, population, gap_kr_per_inv, NULL, NULL
FROM nka_gap(as_of := $1, comparator := $2, group_override := $3, areas_json := $4, municipalities := $5,
             target := $6, peer_trend := $7, target_year := $8, own_groups_json := $9, detail := $10)
WHERE list_contains($11, area) AND ($12::INTEGER[] IS NULL OR list_contains($12::INTEGER[], year))
ORDER BY municipality_id, sort_order, year;

-- name: NKAGapDetail
-- NKAGap with the comparison set's members and their values, and the
-- trend's points (what `sparbeting --explain` writes out).
SELECT municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
	peer_group_id, peer_group_title, peer_group_year, group_choice, group_choice_text, peer_members, peer_count,
	peer_mean_pct, peer_median_pct, comparator, comparator_pct, gap_pp, reference_cost_mnkr, reference_cost_method,
	reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr, gap_mnkr, preliminary, missing_peers, load_id,
	coalesce(note, ''), target, peer_trend, target_year, comparator_group, comparator_group_title, comparator_members,
	comparator_count, comparator_missing, comparator_stat_pct, trend_slope_pp, trend_from_year, trend_to_year,
	comparator_projected_pct, comparator_text, population, gap_kr_per_inv, comparator_values, trend_points
FROM nka_gap(as_of := $1, comparator := $2, group_override := $3, areas_json := $4, municipalities := $5,
             target := $6, peer_trend := $7, target_year := $8, own_groups_json := $9, detail := $10)
WHERE list_contains($11, area) AND ($12::INTEGER[] IS NULL OR list_contains($12::INTEGER[], year))
ORDER BY municipality_id, sort_order, year;

-- name: NKAValues
-- One municipality's rows of nka_values for an area, in the years $5 (NULL: every year).
SELECT municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
	reference_cost_mnkr, reference_cost_method, reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr,
	preliminary, load_id, coalesce(reference_cost_note, '')
FROM nka_values(as_of := $1, areas_json := $2)
WHERE municipality_id = $3 AND area = $4 AND ($5::INTEGER[] IS NULL OR list_contains($5::INTEGER[], year))
ORDER BY year;

-- name: NKAGroupProblemsOf
-- The groups not used (nka_group_problems) that seem to name one of the
-- municipalities $3 ('' those that name none); $3 NULL: every one.
SELECT group_id, group_title, status, problem, coalesce(problem_text, ''),
	coalesce(municipality_id, ''), coalesce(municipality, ''), coalesce(area, '')
FROM nka_group_problems(as_of := $1, areas_json := $2)
WHERE $3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coalesce(municipality_id, ''))
ORDER BY municipality_id NULLS FIRST, status = 'superseded', group_id;

-- name: NKAGroupArea
-- The area a group's title names (NULL: none).
SELECT area FROM nka_groups(areas_json := $1) WHERE group_id = $2;

-- name: NKAGroupMembers
SELECT DISTINCT member_id, member
FROM nka_peer_groups(as_of := $1, areas_json := $2) WHERE group_id = $3 ORDER BY member_id;

-- name: NKAObservations
-- The municipalities' yearly values of the KPIs $2 as the NKA macros see them.
SELECT indicator_id, unit_id, year, value, preliminary
FROM nka_observation(as_of := $1) WHERE list_contains($2, indicator_id);
