-- Nettokostnadsavvikelse (NKA) against "Liknande kommuner": the computation
-- behind `nyckeltal gap` and `nyckeltal sparbeting`, kept here once, set-based,
-- so that analysts' views and the commands can never disagree.
--
-- Table macros take optional named parameters; the views call them with none:
--   as_of          the values (and groups) as the store knew them at a moment,
--                  e.g. '2025-06-02 00:00:00+02'; NULL: the current values
--   comparator     'mean' (default), 'median', 'riket' (0 by construction) or a
--                  group id such as 'G37411' (its members' unweighted mean)
--   group_override 'area=GROUP,…': use these groups instead of the automatic choice
--   areas_json     a JSON array of nka_area rows to use instead of the table
--                  (what the commands pass, so they follow the configuration)
--   municipalities 'ID,ID,…': compute only these municipalities' rows (their
--                  peers' values are read all the same); NULL: every one
-- Computed figures: "Källa: Kolada (RKA). Beräkningar: egen bearbetning."
-- Notes that reach people are Swedish; column names and keys stay English.

DROP MACRO IF EXISTS nka_group_title_parts;

-- The areas: the nka_area table, or the rows of areas_json.
CREATE OR REPLACE MACRO nka_areas(areas_json := NULL) AS TABLE
SELECT area, title, pct_kpi, mnkr_kpi, net_cost_kpi, population_kpi, group_title,
       coalesce(group_keys, []::VARCHAR[]) AS group_keys, min_abs_pct, sort_order
FROM nka_area
WHERE areas_json IS NULL
UNION ALL
SELECT a.x.area, a.x.title, a.x.pct_kpi, nullif(a.x.mnkr_kpi, ''), nullif(a.x.net_cost_kpi, ''),
       nullif(a.x.population_kpi, ''), a.x.group_title, coalesce(a.x.group_keys, []::VARCHAR[]),
       a.x.min_abs_pct, a.x.sort_order
FROM (SELECT unnest(from_json(coalesce(areas_json::VARCHAR, '[]'),
        '[{"area":"VARCHAR","title":"VARCHAR","pct_kpi":"VARCHAR","mnkr_kpi":"VARCHAR","net_cost_kpi":"VARCHAR",
           "population_kpi":"VARCHAR","group_title":"VARCHAR","group_keys":"VARCHAR[]",
           "min_abs_pct":"DOUBLE","sort_order":"INTEGER"}]')) AS x) a
WHERE areas_json IS NOT NULL;

-- A number in a Swedish note: decimal comma.
CREATE OR REPLACE MACRO nka_sv(x, decimals) AS
    replace(printf('%.' || decimals::VARCHAR || 'f', x), '.', ',');

-- Kolada's yearly municipality values (totals: gender T, regi alla), current
-- or as known at as_of, with the load that wrote each.
CREATE OR REPLACE MACRO nka_observation(as_of := NULL) AS TABLE
SELECT indicator_id, unit_id, year, value, preliminary, valid_from_load AS load_id
FROM observation_version
WHERE source = 'kolada' AND unit_kind = 'municipality' AND period_type = 'year'
  AND gender = 'T' AND regi = 'alla'
  AND CASE WHEN as_of IS NULL THEN valid_to_load IS NULL
           ELSE valid_from <= as_of::TIMESTAMPTZ
                AND (valid_to IS NULL OR valid_to > as_of::TIMESTAMPTZ) END;

-- NKA per municipality, area and year, with the reference cost in two
-- derivations:
--   reference_cost_ratio_mnkr  nka_mnkr / (nka_pct / 100): Kolada's own two
--       figures. Left NULL when |nka_pct| is below the area's min_abs_pct (a
--       small percentage amplifies rounding into a wild number) or the two
--       disagree in sign.
--   reference_cost_net_mnkr    net_cost_mnkr − nka_mnkr, where net_cost_mnkr
--       is the area's net cost per invånare × invånare / 10⁶: needs no
--       division by a small number.
-- reference_cost_mnkr is the first where it is stable, else the second
-- (reference_cost_method 'ratio' or 'net_cost'; the second is an estimate).
CREATE OR REPLACE MACRO nka_values(as_of := NULL, areas_json := NULL) AS TABLE
WITH a AS (
    SELECT * FROM nka_areas(areas_json := areas_json)
), kpis AS (
    SELECT area, pct_kpi AS kpi_id, 'pct' AS role FROM a
    UNION ALL
    SELECT area, mnkr_kpi, 'mnkr' FROM a WHERE mnkr_kpi IS NOT NULL
    UNION ALL
    SELECT area, net_cost_kpi, 'net' FROM a WHERE net_cost_kpi IS NOT NULL AND population_kpi IS NOT NULL
    UNION ALL
    SELECT area, population_kpi, 'pop' FROM a WHERE net_cost_kpi IS NOT NULL AND population_kpi IS NOT NULL
), v AS (
    SELECT k.area, o.unit_id AS municipality_id, o.year,
           max(o.value) FILTER (WHERE k.role = 'pct')  AS nka_pct,
           max(o.value) FILTER (WHERE k.role = 'mnkr') AS nka_mnkr,
           max(o.value) FILTER (WHERE k.role = 'net')  AS net_cost_kr_per_inv,
           max(o.value) FILTER (WHERE k.role = 'pop')  AS population,
           coalesce(bool_or(o.preliminary) FILTER (WHERE k.role IN ('pct', 'mnkr')), false) AS nka_preliminary,
           coalesce(bool_or(o.preliminary) FILTER (WHERE k.role IN ('net', 'pop')), false)  AS net_preliminary,
           max(o.load_id) FILTER (WHERE k.role = 'pct')               AS pct_load_id,
           max(o.load_id) FILTER (WHERE k.role IN ('pct', 'mnkr'))    AS nka_load_id,
           max(o.load_id) FILTER (WHERE k.role IN ('net', 'pop'))     AS net_load_id
    FROM kpis k
    JOIN nka_observation(as_of := as_of) o ON o.indicator_id = k.kpi_id
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE k.role IN ('pct', 'mnkr')) > 0
), d AS (
    SELECT v.*, a.mnkr_kpi, a.net_cost_kpi, a.population_kpi, a.min_abs_pct, a.sort_order,
           v.net_cost_kr_per_inv * v.population / 1e6 AS net_cost_mnkr,
           v.nka_pct IS NOT NULL AND v.nka_mnkr IS NOT NULL AND v.nka_pct <> 0
               AND abs(v.nka_pct) >= a.min_abs_pct AND sign(v.nka_pct) = sign(v.nka_mnkr) AS ratio_stable
    FROM v JOIN a USING (area)
), r AS (
    SELECT d.*,
           CASE WHEN ratio_stable THEN nka_mnkr / (nka_pct / 100) END AS reference_cost_ratio_mnkr,
           net_cost_mnkr - nka_mnkr AS reference_cost_net_mnkr,
           CASE WHEN ratio_stable THEN 'ratio'
                WHEN nka_pct IS NOT NULL AND nka_mnkr IS NOT NULL AND net_cost_mnkr IS NOT NULL THEN 'net_cost' END
               AS reference_cost_method
    FROM d
)
SELECT r.municipality_id, m.title AS municipality, r.area, r.year, r.nka_pct, r.nka_mnkr,
       CASE r.reference_cost_method WHEN 'ratio' THEN r.reference_cost_ratio_mnkr
                                    WHEN 'net_cost' THEN r.reference_cost_net_mnkr END AS reference_cost_mnkr,
       r.reference_cost_method,
       r.reference_cost_ratio_mnkr, r.reference_cost_net_mnkr, r.net_cost_mnkr,
       r.nka_preliminary OR (r.reference_cost_method = 'net_cost' AND r.net_preliminary) AS preliminary,
       CASE WHEN r.reference_cost_method = 'net_cost' THEN greatest(r.nka_load_id, r.net_load_id)
            ELSE r.nka_load_id END AS load_id,
       r.pct_load_id,
       CASE WHEN r.mnkr_kpi IS NULL THEN 'Kolada har ingen NKA i mnkr för området: ingen referenskostnad'
            WHEN r.nka_pct IS NULL THEN NULL
            WHEN r.nka_mnkr IS NULL THEN printf('inget värde för NKA mnkr (%s): ingen referenskostnad', r.mnkr_kpi)
            WHEN NOT r.ratio_stable THEN
                CASE WHEN sign(r.nka_pct) <> sign(r.nka_mnkr) AND r.nka_pct <> 0 AND abs(r.nka_pct) >= r.min_abs_pct
                     THEN 'NKA % och NKA mnkr har olika tecken, så kvoten NKA mnkr / NKA % duger inte'
                     ELSE printf('NKA %s %% ligger för nära 0 (under %s %%) för kvoten NKA mnkr / NKA %%',
                                 replace(r.nka_pct::VARCHAR, '.', ','), replace(r.min_abs_pct::VARCHAR, '.', ','))
                END ||
                CASE WHEN r.reference_cost_method = 'net_cost'
                     THEN printf(': referenskostnaden är uppskattad som nettokostnad (%s kr/inv × %s invånare = %s mnkr) minus NKA mnkr (%s)',
                                 r.net_cost_kpi, r.population_kpi, nka_sv(r.net_cost_mnkr, 3), nka_sv(r.nka_mnkr, 3))
                     WHEN r.net_cost_kpi IS NULL THEN ': ingen referenskostnad (området har inget nyckeltal för nettokostnad)'
                     ELSE printf(': ingen referenskostnad (inget värde för nettokostnad %s eller invånare %s)', r.net_cost_kpi, r.population_kpi)
                END
            WHEN r.reference_cost_net_mnkr IS NOT NULL
             AND abs(r.reference_cost_net_mnkr - r.reference_cost_ratio_mnkr) > 0.01 * abs(r.reference_cost_ratio_mnkr)
                THEN printf('referenskostnaden enligt kvoten (%s mnkr) och enligt nettokostnaden (%s mnkr) skiljer sig med %s %%',
                            nka_sv(r.reference_cost_ratio_mnkr, 1), nka_sv(r.reference_cost_net_mnkr, 1),
                            nka_sv(100 * abs(r.reference_cost_net_mnkr - r.reference_cost_ratio_mnkr) / abs(r.reference_cost_ratio_mnkr), 1))
       END AS reference_cost_note,
       r.sort_order
FROM r
LEFT JOIN municipality m USING (municipality_id);

-- Every "Liknande kommuner" group the store had at as_of, as its title reads
-- (nka_group_title, written by the store from internal/grouptitle), with the
-- area its words name and what becomes of it (status):
--   candidate        read: the group of its municipality, area and year
--   superseded       another group of the same municipality, area and year
--                    that Kolada published later is used instead
--   yearless_unused  its title has no year, and groups with years exist
--   unreadable       the title cannot be read (problem, problem_text)
--   area_unknown     the title is read, but its area is none of the areas
-- "Published later" is judged by the load that first stored the group, then
-- by the group id's number (Kolada numbers new groups upwards).
CREATE OR REPLACE MACRO nka_groups(as_of := NULL, areas_json := NULL) AS TABLE
WITH keys AS (
    SELECT area, unnest(group_keys) AS area_key, sort_order FROM nka_areas(areas_json := areas_json)
), g AS (
    SELECT t.*, g.title AS group_title, g.first_seen_load,
           try_cast(regexp_extract(t.group_id, '\d+') AS BIGINT) AS group_number
    FROM nka_group_title t
    JOIN municipality_group g USING (group_id)
    LEFT JOIN load l ON l.load_id = g.first_seen_load
    WHERE as_of IS NULL OR l.finished_at <= as_of::TIMESTAMPTZ
), matched AS (
    SELECT g.*, k.area, coalesce(k.sort_order, 999) AS area_order
    FROM g LEFT JOIN keys k USING (area_key)
    QUALIFY row_number() OVER (PARTITION BY g.group_id ORDER BY k.sort_order NULLS LAST, k.area) = 1
), readable AS (
    SELECT *, problem IS NULL AND area IS NOT NULL AND municipality_id IS NOT NULL AS is_read
    FROM matched
), ranked AS (
    SELECT *,
           row_number() OVER same_year AS publication_rank,
           count(*) OVER same_year AS same_year_groups,
           first_value(group_id) OVER same_year AS preferred_group_id,
           bool_or(group_year IS NOT NULL) OVER (PARTITION BY is_read, municipality_id, area) AS area_has_years
    FROM readable
    WINDOW same_year AS (PARTITION BY is_read, municipality_id, area, group_year
                         ORDER BY first_seen_load DESC NULLS LAST, group_number DESC NULLS LAST, group_id DESC
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), ids AS (
    -- the groups of one municipality, area and year, in the order of their numbers
    SELECT municipality_id AS ids_municipality, area AS ids_area, coalesce(group_year, 0) AS ids_year,
           list(group_id ORDER BY group_number, group_id) AS same_year_group_ids
    FROM readable WHERE is_read
    GROUP BY ALL
)
SELECT group_id, group_title, area, area_text, area_key, municipality_id, named_municipality_id, municipality_name,
       group_year, first_seen_load,
       CASE WHEN problem IS NOT NULL THEN 'unreadable'
            WHEN area IS NULL THEN 'area_unknown'
            WHEN group_year IS NULL AND area_has_years THEN 'yearless_unused'
            WHEN publication_rank > 1 THEN 'superseded'
            ELSE 'candidate' END AS status,
       coalesce(problem, CASE WHEN area IS NULL THEN 'area_unknown'
                              WHEN group_year IS NULL AND area_has_years THEN 'yearless_unused'
                              WHEN publication_rank > 1 THEN 'superseded' END) AS problem,
       CASE WHEN problem IS NOT NULL THEN problem_text
            WHEN area IS NULL
                THEN printf('området "%s" är inget av de konfigurerade områdena', coalesce(area_text, ''))
            WHEN group_year IS NULL AND area_has_years
                THEN 'titeln saknar år och det finns grupper med år för samma kommun och område'
            WHEN publication_rank > 1
                THEN printf('%s är en annan grupp för samma område, kommun och år som Kolada publicerade senare', preferred_group_id)
       END AS problem_text,
       CASE WHEN is_read THEN same_year_groups ELSE 1 END AS same_year_groups,
       CASE WHEN is_read THEN same_year_group_ids ELSE [group_id] END AS same_year_group_ids,
       CASE WHEN is_read THEN preferred_group_id END AS preferred_group_id,
       area_order
FROM ranked
LEFT JOIN ids ON is_read AND ids_municipality = municipality_id AND ids_area = area AND ids_year = coalesce(group_year, 0);

-- "Liknande kommuner" groups with their area, municipality, year and members,
-- one row per member; every group whose title is read (status candidate,
-- superseded or yearless_unused). The municipality itself is never its own
-- member. Groups of several years sit side by side (RKA re-matches under new
-- ids); as_of keeps the groups the store had then (membership is as stored now).
CREATE OR REPLACE MACRO nka_peer_groups(as_of := NULL, areas_json := NULL) AS TABLE
SELECT g.group_id, g.group_title, g.area, g.municipality_id, m.title AS municipality, g.group_year,
       g.first_seen_load, g.status,
       gm.member_id, coalesce(mm.title, gm.member_title, gm.member_id) AS member
FROM nka_groups(as_of := as_of, areas_json := areas_json) g
LEFT JOIN municipality m ON m.municipality_id = g.municipality_id
JOIN municipality_group_member gm ON gm.group_id = g.group_id AND gm.member_id IS DISTINCT FROM g.municipality_id
LEFT JOIN municipality mm ON mm.municipality_id = gm.member_id
WHERE g.status IN ('candidate', 'superseded', 'yearless_unused');

-- The "Liknande kommuner" groups that are not used, and why: every group
-- whose title cannot be read or names no configured area, every group passed
-- over for another of the same municipality, area and year, and every group
-- without a year where groups with years exist. municipality_id is the
-- municipality the title seems to name (NULL: none can be told); area is
-- NULL when unknown.
CREATE OR REPLACE MACRO nka_group_problems(as_of := NULL, areas_json := NULL) AS TABLE
SELECT g.group_id, g.group_title, g.status, g.problem, g.problem_text,
       g.named_municipality_id AS municipality_id, m.title AS municipality, g.area, g.group_year,
       g.preferred_group_id
FROM nka_groups(as_of := as_of, areas_json := areas_json) g
LEFT JOIN municipality m ON m.municipality_id = g.named_municipality_id
WHERE g.status <> 'candidate';

-- The gap per municipality, area and year, for every municipality that has a
-- peer group of the area (or every municipality with values, for an area in
-- group_override) and every year the area has values. For year Y the group of
-- the latest year <= Y is used, else the earliest later one; a group without
-- a year only when the municipality has no group with one (group_choice).
--   peer_mean_pct   unweighted mean of the members that have a value (as Kolada
--                   computes group values); peer_median_pct their median
--   comparator_pct  what gap_pp is measured against
--   gap_pp          nka_pct - comparator_pct
--   gap_mnkr        gap_pp / 100 * reference_cost_mnkr
--   preliminary     any figure behind the row is preliminary
--   load_id         the latest load that wrote a value behind the row
CREATE OR REPLACE MACRO nka_gap(as_of := NULL, comparator := 'mean', group_override := NULL, areas_json := NULL,
                                municipalities := NULL) AS TABLE
WITH vals AS MATERIALIZED (
    SELECT * FROM nka_values(as_of := as_of, areas_json := areas_json)
), area_years AS (
    SELECT DISTINCT area, year FROM vals
), grp AS MATERIALIZED (
    SELECT * FROM nka_groups(as_of := as_of, areas_json := areas_json)
), focal AS (
    SELECT group_id, group_title, area, municipality_id, group_year, same_year_groups, same_year_group_ids
    FROM grp
    WHERE status = 'candidate'
      AND (municipalities IS NULL OR list_contains(string_split(municipalities, ','), municipality_id))
), overrides AS (
    SELECT trim(split_part(o, '=', 1)) AS area, upper(trim(split_part(o, '=', 2))) AS group_id
    FROM (SELECT unnest(string_split(coalesce(group_override, ''), ',')) AS o)
    WHERE o LIKE '%=%'
), ranges AS (
    -- the years each group applies to: from its year to the year before the
    -- next group's; the earliest group also covers the years before it. A
    -- group without a year is a candidate only when it is the municipality's
    -- one group of the area, and then covers every year.
    SELECT *,
           CASE WHEN row_number() OVER w = 1 THEN 0 ELSE group_year END AS from_year,
           coalesce(lead(group_year) OVER w - 1, 9999) AS to_year
    FROM focal
    WHERE area NOT IN (SELECT area FROM overrides)
    WINDOW w AS (PARTITION BY municipality_id, area ORDER BY group_year ASC NULLS LAST)
), auto_choice AS (
    SELECT r.municipality_id, r.area, y.year, r.group_id, r.group_title, r.group_year,
           r.same_year_groups, r.same_year_group_ids, false AS overridden
    FROM ranges r
    JOIN area_years y ON y.area = r.area AND y.year BETWEEN r.from_year AND r.to_year
), override_choice AS (
    SELECT DISTINCT v.municipality_id, v.area, v.year, o.group_id, g.title AS group_title,
           t.group_year, 1::BIGINT AS same_year_groups, [o.group_id] AS same_year_group_ids, true AS overridden
    FROM overrides o
    JOIN vals v USING (area)
    LEFT JOIN municipality_group g USING (group_id)
    LEFT JOIN nka_group_title t USING (group_id)
    WHERE municipalities IS NULL OR list_contains(string_split(municipalities, ','), v.municipality_id)
), choice AS (
    SELECT *,
           CASE WHEN overridden THEN 'override'
                WHEN group_year IS NULL THEN 'no_year'
                WHEN group_year = year THEN 'same_year'
                WHEN group_year < year THEN 'latest_earlier'
                ELSE 'later_group' END AS group_choice
    FROM (SELECT * FROM auto_choice UNION ALL BY NAME SELECT * FROM override_choice)
), member_vals AS (
    SELECT c.municipality_id, c.area, c.year, gm.member_id,
           coalesce(mm.title, gm.member_title, gm.member_id) AS member, v.nka_pct, v.preliminary, v.pct_load_id
    FROM choice c
    JOIN municipality_group_member gm ON gm.group_id = c.group_id AND gm.member_id <> c.municipality_id
    LEFT JOIN municipality mm ON mm.municipality_id = gm.member_id
    LEFT JOIN vals v ON v.municipality_id = gm.member_id AND v.area = c.area AND v.year = c.year
), peer AS (
    SELECT municipality_id, area, year,
           count(*)             AS peer_members,
           count(nka_pct)       AS peer_count,
           avg(nka_pct)         AS peer_mean_pct,
           median(nka_pct)      AS peer_median_pct,
           list_sort(list(member) FILTER (WHERE nka_pct IS NULL)) AS missing_peers,
           bool_or(preliminary) FILTER (WHERE nka_pct IS NOT NULL)    AS peer_preliminary,
           max(pct_load_id) FILTER (WHERE nka_pct IS NOT NULL)        AS peer_load_id
    FROM member_vals
    GROUP BY ALL
), cmp AS (
    SELECT c.municipality_id, c.area, c.year,
           count(*) AS cmp_members, count(v.nka_pct) AS cmp_count, avg(v.nka_pct) AS cmp_mean_pct,
           bool_or(v.preliminary) FILTER (WHERE v.nka_pct IS NOT NULL) AS cmp_preliminary,
           max(v.pct_load_id) FILTER (WHERE v.nka_pct IS NOT NULL) AS cmp_load_id
    FROM choice c
    JOIN municipality_group_member gm
      ON gm.group_id = upper(comparator) AND gm.member_id <> c.municipality_id
    LEFT JOIN vals v ON v.municipality_id = gm.member_id AND v.area = c.area AND v.year = c.year
    WHERE regexp_full_match(upper(comparator), 'G\d+')
    GROUP BY ALL
), unread AS (
    -- groups that seem to name the municipality but are not used: said in
    -- the notes of its rows (of their area, or of every area when unknown)
    SELECT named_municipality_id AS municipality_id, area,
           string_agg(printf('grupp %s "%s" används inte: %s', group_id, group_title, problem_text), '; '
                      ORDER BY group_id) AS note
    FROM grp
    WHERE status IN ('unreadable', 'area_unknown', 'yearless_unused') AND named_municipality_id IS NOT NULL
    GROUP BY ALL
), unread_rows AS (
    -- per row, the notes of its area's unused groups and of those of no known area
    SELECT c.municipality_id, c.area, c.year, string_agg(u.note, '; ' ORDER BY u.area NULLS LAST) AS note
    FROM choice c
    JOIN unread u ON u.municipality_id = c.municipality_id AND (u.area IS NULL OR u.area = c.area)
    GROUP BY ALL
), nameless AS (
    SELECT count(*) AS n FROM grp WHERE status IN ('unreadable', 'area_unknown') AND named_municipality_id IS NULL
), r AS (
    SELECT c.municipality_id, m.title AS municipality, c.area, c.year,
           v.nka_pct, v.nka_mnkr,
           c.group_id AS peer_group_id, c.group_title AS peer_group_title, c.group_year AS peer_group_year,
           c.group_choice,
           coalesce(p.peer_count, 0) AS peer_count, coalesce(p.peer_members, 0) AS peer_members,
           p.peer_mean_pct, p.peer_median_pct,
           CASE WHEN lower(comparator) IN ('mean', 'median', 'riket') THEN lower(comparator)
                ELSE upper(comparator) END AS comparator_name,
           CASE lower(comparator) WHEN 'mean' THEN p.peer_mean_pct
                                  WHEN 'median' THEN p.peer_median_pct
                                  WHEN 'riket' THEN 0.0
                                  ELSE x.cmp_mean_pct END AS comparator_pct,
           v.reference_cost_mnkr, v.reference_cost_method, v.reference_cost_ratio_mnkr, v.reference_cost_net_mnkr,
           v.net_cost_mnkr, v.reference_cost_note,
           coalesce(v.preliminary, false) OR coalesce(p.peer_preliminary, false)
               OR coalesce(x.cmp_preliminary, false) AS preliminary,
           coalesce(p.missing_peers, []::VARCHAR[]) AS missing_peers,
           greatest(v.load_id, p.peer_load_id, x.cmp_load_id) AS load_id,
           c.overridden, c.same_year_groups, c.same_year_group_ids,
           x.cmp_members, x.cmp_count, cg.title AS cmp_title,
           ur.note AS unread_note,
           nl.n AS nameless_groups,
           coalesce(a.sort_order, 0) AS sort_order
    FROM choice c
    LEFT JOIN vals v USING (municipality_id, area, year)
    LEFT JOIN peer p USING (municipality_id, area, year)
    LEFT JOIN cmp x USING (municipality_id, area, year)
    LEFT JOIN unread_rows ur USING (municipality_id, area, year)
    CROSS JOIN nameless nl
    LEFT JOIN municipality m USING (municipality_id)
    LEFT JOIN municipality_group cg ON cg.group_id = upper(comparator)
    LEFT JOIN nka_areas(areas_json := areas_json) a USING (area)
)
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr,
       peer_group_id, peer_group_title, peer_group_year, group_choice,
       CASE group_choice WHEN 'same_year' THEN 'samma år'
                         WHEN 'latest_earlier' THEN 'senaste tidigare'
                         WHEN 'later_group' THEN 'ingen tidigare grupp: senare grupp används'
                         WHEN 'no_year' THEN 'gruppens titel saknar år'
                         WHEN 'override' THEN 'angiven med --group' END AS group_choice_text,
       peer_members, peer_count, peer_mean_pct, peer_median_pct,
       comparator_name AS comparator, comparator_pct, nka_pct - comparator_pct AS gap_pp,
       reference_cost_mnkr, reference_cost_method, reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr,
       (nka_pct - comparator_pct) / 100 * reference_cost_mnkr AS gap_mnkr,
       preliminary, missing_peers, load_id,
       nullif(concat_ws('; ',
           CASE WHEN nka_pct IS NULL
                THEN printf('inget värde för NKA %% för %s %d', coalesce(municipality, municipality_id), year) END,
           CASE WHEN overridden THEN printf('gruppen %s är angiven med --group', peer_group_id)
                WHEN peer_group_year IS NULL THEN printf('gruppen %s saknar år i titeln', peer_group_id)
                WHEN peer_group_year > year
                THEN printf('ingen grupp från %d eller tidigare: gruppen från %d (%s) används', year, peer_group_year, peer_group_id)
                WHEN peer_group_year < year
                THEN printf('gruppen från %d (%s) används: den senaste tidigare', peer_group_year, peer_group_id) END,
           CASE WHEN same_year_groups > 1
                THEN printf('%d grupper för samma område, kommun och år (%s): %s används, den som Kolada publicerade senast',
                            same_year_groups, array_to_string(same_year_group_ids, ', '), peer_group_id) END,
           CASE WHEN peer_members = 0 THEN printf('gruppen %s har inga medlemmar i databasen', peer_group_id)
                WHEN peer_count = 0 THEN 'ingen i gruppen har ett värde: inget medelvärde eller median'
                WHEN peer_count < peer_members
                THEN printf('medelvärde och median över %d av %d (värde saknas: %s)', peer_count, peer_members,
                            array_to_string(missing_peers, ', ')) END,
           CASE WHEN comparator_name LIKE 'G%' AND coalesce(cmp_members, 0) = 0
                THEN printf('jämförelsegruppen %s har inga medlemmar i databasen', comparator_name)
                WHEN comparator_name LIKE 'G%' AND cmp_count = 0
                THEN printf('ingen i jämförelsegruppen %s har ett värde', comparator_name)
                WHEN comparator_name LIKE 'G%'
                THEN printf('jämförelse %s (%s): medelvärde av %d av %d', comparator_name,
                            coalesce(cmp_title, '?'), cmp_count, cmp_members) END,
           CASE WHEN comparator_name NOT IN ('mean', 'median', 'riket') AND NOT regexp_full_match(comparator_name, 'G\d+')
                THEN printf('okänd jämförelse %s (använd mean, median, riket eller ett grupp-id)', comparator_name) END,
           reference_cost_note,
           CASE WHEN preliminary THEN 'innehåller preliminära värden' END,
           unread_note,
           CASE WHEN nameless_groups = 1
                THEN '1 grupp "Liknande kommuner" kan inte knytas till någon kommun (se v_nka_group_problem)'
                WHEN nameless_groups > 1
                THEN printf('%d grupper "Liknande kommuner" kan inte knytas till någon kommun (se v_nka_group_problem)',
                            nameless_groups) END
       ), '') AS note,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note,
       sort_order
FROM r;

CREATE OR REPLACE VIEW v_nka AS
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr, reference_cost_mnkr, reference_cost_method,
       reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr, preliminary, load_id,
       reference_cost_note AS note,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note
FROM nka_values();

CREATE OR REPLACE VIEW v_peer_group AS
SELECT group_id, group_title, area, municipality_id, municipality, group_year, status, member_id, member
FROM nka_peer_groups();

CREATE OR REPLACE VIEW v_nka_group_problem AS
SELECT * FROM nka_group_problems();

CREATE OR REPLACE VIEW v_nka_gap AS
SELECT * EXCLUDE (sort_order) FROM nka_gap();
