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

-- The areas: the nka_area table, or the rows of areas_json.
CREATE OR REPLACE MACRO nka_areas(areas_json := NULL) AS TABLE
SELECT area, title, pct_kpi, mnkr_kpi, group_title, min_abs_pct, sort_order
FROM nka_area
WHERE areas_json IS NULL
UNION ALL
SELECT a.x.area, a.x.title, a.x.pct_kpi, nullif(a.x.mnkr_kpi, ''), a.x.group_title,
       a.x.min_abs_pct, a.x.sort_order
FROM (SELECT unnest(from_json(coalesce(areas_json::VARCHAR, '[]'),
        '[{"area":"VARCHAR","title":"VARCHAR","pct_kpi":"VARCHAR","mnkr_kpi":"VARCHAR",
           "group_title":"VARCHAR","min_abs_pct":"DOUBLE","sort_order":"INTEGER"}]')) AS x) a
WHERE areas_json IS NOT NULL;

-- Kolada's yearly municipality values (totals: gender T, regi alla), current
-- or as known at as_of.
CREATE OR REPLACE MACRO nka_observation(as_of := NULL) AS TABLE
SELECT indicator_id, unit_id, year, value, preliminary
FROM observation_version
WHERE source = 'kolada' AND unit_kind = 'municipality' AND period_type = 'year'
  AND gender = 'T' AND regi = 'alla'
  AND CASE WHEN as_of IS NULL THEN valid_to_load IS NULL
           ELSE valid_from <= as_of::TIMESTAMPTZ
                AND (valid_to IS NULL OR valid_to > as_of::TIMESTAMPTZ) END;

-- A "Liknande kommuner" title in its parts:
--   'Liknande kommuner äldreomsorg, Höör, 2024'   → prefix 'Liknande kommuner äldreomsorg', name 'Höör', year 2024
--   'Liknande kommuner, övergripande, Höör, 2025' → prefix 'Liknande kommuner, övergripande', name 'Höör', year 2025
-- The year is the last part when it is four digits; the name the part before it.
CREATE OR REPLACE MACRO nka_group_title_parts(t) AS {
    'prefix': trim(regexp_replace(regexp_replace(t, ',\s*\d{4}\s*$', ''), ',[^,]*$', '')),
    'name':   nullif(trim(regexp_extract(regexp_replace(t, ',\s*\d{4}\s*$', ''), ',([^,]*)$', 1)), ''),
    'year':   try_cast(nullif(regexp_extract(t, ',\s*(\d{4})\s*$', 1), '') AS INTEGER)
};

-- NKA per municipality, area and year, with the reference cost that Kolada's
-- two figures imply: nka_mnkr / (nka_pct / 100). It is left NULL, with the
-- reason, when |nka_pct| is below the area's min_abs_pct (a small percentage
-- amplifies rounding into a wild number) or the two figures disagree in sign.
CREATE OR REPLACE MACRO nka_values(as_of := NULL, areas_json := NULL) AS TABLE
WITH a AS (
    SELECT * FROM nka_areas(areas_json := areas_json)
), kpis AS (
    SELECT area, pct_kpi AS kpi_id, true AS is_pct FROM a
    UNION ALL
    SELECT area, mnkr_kpi, false FROM a WHERE mnkr_kpi IS NOT NULL
), v AS (
    SELECT k.area, o.unit_id AS municipality_id, o.year,
           max(o.value) FILTER (WHERE k.is_pct)     AS nka_pct,
           max(o.value) FILTER (WHERE NOT k.is_pct) AS nka_mnkr,
           bool_or(o.preliminary)                   AS preliminary
    FROM kpis k
    JOIN nka_observation(as_of := as_of) o ON o.indicator_id = k.kpi_id
    GROUP BY ALL
)
SELECT v.municipality_id, m.title AS municipality, v.area, v.year, v.nka_pct, v.nka_mnkr,
       CASE WHEN v.nka_pct IS NOT NULL AND v.nka_mnkr IS NOT NULL AND v.nka_pct <> 0
             AND abs(v.nka_pct) >= a.min_abs_pct AND sign(v.nka_pct) = sign(v.nka_mnkr)
            THEN v.nka_mnkr / (v.nka_pct / 100) END AS reference_cost_mnkr,
       v.preliminary,
       CASE WHEN a.mnkr_kpi IS NULL THEN 'Kolada has no NKA in mnkr for this area: no reference cost'
            WHEN v.nka_pct IS NULL THEN NULL
            WHEN v.nka_mnkr IS NULL THEN 'no NKA mnkr value: no reference cost'
            WHEN v.nka_pct = 0 OR abs(v.nka_pct) < a.min_abs_pct
                THEN printf('NKA %s %% is too close to 0 (below %s %%) for a stable reference cost: left NULL',
                            round(v.nka_pct, 4)::VARCHAR, a.min_abs_pct::VARCHAR)
            WHEN sign(v.nka_pct) <> sign(v.nka_mnkr)
                THEN 'NKA % and NKA mnkr disagree in sign: no reference cost'
       END AS reference_cost_note,
       a.sort_order
FROM v
JOIN a USING (area)
LEFT JOIN municipality m USING (municipality_id);

-- "Liknande kommuner" groups with their area, municipality (its name mapped to
-- an id through the municipality table), year and members, one row per member.
-- The municipality itself is never its own member. Groups of several years sit
-- side by side (RKA re-matches under new ids); as_of keeps the groups the
-- store had then (membership is as stored now).
CREATE OR REPLACE MACRO nka_peer_groups(as_of := NULL, areas_json := NULL) AS TABLE
WITH g AS (
    SELECT g.group_id, g.title AS group_title, g.first_seen_load,
           nka_group_title_parts(g.title) AS p
    FROM municipality_group g
    LEFT JOIN load l ON l.load_id = g.first_seen_load
    WHERE as_of IS NULL OR l.finished_at <= as_of::TIMESTAMPTZ
), matched AS (
    -- the area whose group_title the title's prefix contains; the longest wins
    SELECT g.*, a.area
    FROM g
    JOIN nka_areas(areas_json := areas_json) a
      ON strpos(lower(g.p.prefix), lower(a.group_title)) > 0
    QUALIFY row_number() OVER (PARTITION BY g.group_id ORDER BY length(a.group_title) DESC, a.area) = 1
), names AS (
    -- a kommun before a region of the same name
    SELECT municipality_id, lower(title) AS name_key
    FROM municipality
    WHERE municipality_id <> '0000'
    QUALIFY row_number() OVER (PARTITION BY lower(title)
                               ORDER BY coalesce(type, 'K') = 'K' DESC, municipality_id) = 1
)
SELECT mt.group_id, mt.group_title, mt.area, n.municipality_id, mt.p.name AS municipality,
       mt.p.year AS group_year, mt.first_seen_load,
       gm.member_id, coalesce(mm.title, gm.member_title, gm.member_id) AS member
FROM matched mt
LEFT JOIN names n ON n.name_key = lower(mt.p.name)
JOIN municipality_group_member gm
  ON gm.group_id = mt.group_id AND gm.member_id IS DISTINCT FROM n.municipality_id
LEFT JOIN municipality mm ON mm.municipality_id = gm.member_id;

-- The gap per municipality, area and year, for every municipality that has a
-- peer group of the area (or every municipality with values, for an area in
-- group_override) and every year the area has values. For year Y the group of
-- the latest year <= Y is used, else the earliest later one (said in note).
--   peer_mean_pct   unweighted mean of the members that have a value (as Kolada
--                   computes group values); peer_median_pct their median
--   gap_pp          nka_pct - comparator
--   gap_mnkr        gap_pp / 100 * reference_cost_mnkr
--   preliminary     any figure behind the row is preliminary
CREATE OR REPLACE MACRO nka_gap(as_of := NULL, comparator := 'mean', group_override := NULL, areas_json := NULL,
                                municipalities := NULL) AS TABLE
WITH vals AS (
    SELECT * FROM nka_values(as_of := as_of, areas_json := areas_json)
), area_years AS (
    SELECT DISTINCT area, year FROM vals
), focal AS (
    -- one group per municipality, area and group year (the last seen, should
    -- RKA have published two), with how many there were
    SELECT *, count(*) OVER (PARTITION BY municipality_id, area, group_year) AS same_year_groups
    FROM (SELECT DISTINCT group_id, group_title, area, municipality_id, group_year, first_seen_load
          FROM nka_peer_groups(as_of := as_of, areas_json := areas_json)
          WHERE municipality_id IS NOT NULL
            AND (municipalities IS NULL OR list_contains(string_split(municipalities, ','), municipality_id)))
    QUALIFY row_number() OVER (PARTITION BY municipality_id, area, group_year
                               ORDER BY first_seen_load DESC NULLS LAST, group_id DESC) = 1
), overrides AS (
    SELECT trim(split_part(o, '=', 1)) AS area, upper(trim(split_part(o, '=', 2))) AS group_id
    FROM (SELECT unnest(string_split(coalesce(group_override, ''), ',')) AS o)
    WHERE o LIKE '%=%'
), ranges AS (
    -- the years each group applies to: from its year to the year before the
    -- next group's; the earliest group also covers the years before it. A
    -- group without a year in its title sorts last and so only applies when
    -- it is the municipality's only group of the area.
    SELECT *,
           CASE WHEN row_number() OVER w = 1 THEN 0 ELSE group_year END AS from_year,
           coalesce(lead(group_year) OVER w - 1, 9999) AS to_year
    FROM focal
    WHERE area NOT IN (SELECT area FROM overrides)
    WINDOW w AS (PARTITION BY municipality_id, area ORDER BY group_year ASC NULLS LAST)
), auto_choice AS (
    SELECT r.municipality_id, r.area, y.year, r.group_id, r.group_title, r.group_year, r.same_year_groups,
           false AS overridden
    FROM ranges r
    JOIN area_years y ON y.area = r.area AND y.year BETWEEN r.from_year AND r.to_year
), override_choice AS (
    SELECT DISTINCT v.municipality_id, v.area, v.year, o.group_id, g.title AS group_title,
           nka_group_title_parts(g.title).year AS group_year, 1::BIGINT AS same_year_groups, true AS overridden
    FROM overrides o
    JOIN vals v USING (area)
    LEFT JOIN municipality_group g USING (group_id)
    WHERE municipalities IS NULL OR list_contains(string_split(municipalities, ','), v.municipality_id)
), choice AS (
    SELECT * FROM auto_choice
    UNION ALL BY NAME
    SELECT * FROM override_choice
), member_vals AS (
    SELECT c.municipality_id, c.area, c.year, gm.member_id,
           coalesce(mm.title, gm.member_title, gm.member_id) AS member, v.nka_pct, v.preliminary
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
           bool_or(preliminary) FILTER (WHERE nka_pct IS NOT NULL)    AS peer_preliminary
    FROM member_vals
    GROUP BY ALL
), cmp AS (
    SELECT c.municipality_id, c.area, c.year,
           count(*) AS cmp_members, count(v.nka_pct) AS cmp_count, avg(v.nka_pct) AS cmp_mean_pct,
           bool_or(v.preliminary) FILTER (WHERE v.nka_pct IS NOT NULL) AS cmp_preliminary
    FROM choice c
    JOIN municipality_group_member gm
      ON gm.group_id = upper(comparator) AND gm.member_id <> c.municipality_id
    LEFT JOIN vals v ON v.municipality_id = gm.member_id AND v.area = c.area AND v.year = c.year
    WHERE regexp_full_match(upper(comparator), 'G\d+')
    GROUP BY ALL
), r AS (
    SELECT c.municipality_id, m.title AS municipality, c.area, c.year,
           v.nka_pct, v.nka_mnkr,
           c.group_id AS peer_group_id, c.group_title AS peer_group_title, c.group_year AS peer_group_year,
           coalesce(p.peer_count, 0) AS peer_count, coalesce(p.peer_members, 0) AS peer_members,
           p.peer_mean_pct, p.peer_median_pct,
           CASE WHEN lower(comparator) IN ('mean', 'median', 'riket') THEN lower(comparator)
                ELSE upper(comparator) END AS comparator_name,
           CASE lower(comparator) WHEN 'mean' THEN p.peer_mean_pct
                                  WHEN 'median' THEN p.peer_median_pct
                                  WHEN 'riket' THEN 0.0
                                  ELSE x.cmp_mean_pct END AS comparator_pct,
           v.reference_cost_mnkr, v.reference_cost_note,
           coalesce(v.preliminary, false) OR coalesce(p.peer_preliminary, false)
               OR coalesce(x.cmp_preliminary, false) AS preliminary,
           coalesce(p.missing_peers, []::VARCHAR[]) AS missing_peers,
           c.overridden, c.same_year_groups,
           x.cmp_members, x.cmp_count, cg.title AS cmp_title,
           coalesce(a.sort_order, 0) AS sort_order
    FROM choice c
    LEFT JOIN vals v USING (municipality_id, area, year)
    LEFT JOIN peer p USING (municipality_id, area, year)
    LEFT JOIN cmp x USING (municipality_id, area, year)
    LEFT JOIN municipality m USING (municipality_id)
    LEFT JOIN municipality_group cg ON cg.group_id = upper(comparator)
    LEFT JOIN nka_areas(areas_json := areas_json) a USING (area)
)
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr,
       peer_group_id, peer_group_title, peer_count, peer_mean_pct, peer_median_pct,
       comparator_name AS comparator, nka_pct - comparator_pct AS gap_pp, reference_cost_mnkr,
       (nka_pct - comparator_pct) / 100 * reference_cost_mnkr AS gap_mnkr,
       preliminary, missing_peers,
       nullif(concat_ws('; ',
           CASE WHEN nka_pct IS NULL
                THEN printf('no NKA %% value for %s in %d', coalesce(municipality, municipality_id), year) END,
           CASE WHEN overridden THEN printf('peer group %s given explicitly', peer_group_id)
                WHEN peer_group_year IS NULL THEN printf('peer group %s has no year in its title', peer_group_id)
                WHEN peer_group_year > year
                THEN printf('no peer group from %d or earlier: used the %d group', year, peer_group_year) END,
           CASE WHEN same_year_groups > 1
                THEN printf('%d peer groups of %s: used %s', same_year_groups,
                            coalesce(peer_group_year::VARCHAR, 'no year'), peer_group_id) END,
           CASE WHEN peer_members = 0 THEN printf('peer group %s has no members in the store', peer_group_id)
                WHEN peer_count = 0 THEN 'no peer has a value: no peer mean or median'
                WHEN peer_count < peer_members
                THEN printf('peer mean and median over %d of %d peers (no value: %s)', peer_count, peer_members,
                            array_to_string(missing_peers, ', ')) END,
           CASE WHEN comparator_name LIKE 'G%' AND coalesce(cmp_members, 0) = 0
                THEN printf('comparator group %s has no members in the store', comparator_name)
                WHEN comparator_name LIKE 'G%' AND cmp_count = 0
                THEN printf('no member of comparator group %s has a value', comparator_name)
                WHEN comparator_name LIKE 'G%'
                THEN printf('comparator %s (%s): mean of %d of %d members', comparator_name,
                            coalesce(cmp_title, '?'), cmp_count, cmp_members) END,
           CASE WHEN comparator_name NOT IN ('mean', 'median', 'riket') AND NOT regexp_full_match(comparator_name, 'G\d+')
                THEN printf('unknown comparator %s (use mean, median, riket or a group id)', comparator_name) END,
           reference_cost_note,
           CASE WHEN preliminary THEN 'includes preliminary values' END
       ), '') AS note,
       peer_group_year,
       comparator_pct,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note,
       sort_order
FROM r;

CREATE OR REPLACE VIEW v_nka AS
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr, reference_cost_mnkr, preliminary,
       reference_cost_note AS note,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note
FROM nka_values();

CREATE OR REPLACE VIEW v_peer_group AS
SELECT group_id, group_title, area, municipality_id, municipality, group_year, member_id, member
FROM nka_peer_groups();

CREATE OR REPLACE VIEW v_nka_gap AS
SELECT * EXCLUDE (sort_order) FROM nka_gap();
