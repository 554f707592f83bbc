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
--   target         what of the comparison set the gap is measured against:
--                  'mean', 'median', 'pNN' (the NNth percentile, interpolated
--                  as Excel's PERCENTILE.INC), 'share:0.5' (close that share
--                  of the gap to the mean; 'share:0.5:median' to the median);
--                  NULL: the comparator's own ('median' for 'median', else 'mean')
--   peer_trend     'hold' (the comparison set's NKA stays at the year's level)
--                  or 'linear:N' (it follows its least-squares line over the N
--                  years ending in the row's year, projected to target_year)
--   target_year    the year the trend is projected to
--   own_groups_json a JSON array of comparison groups of one's own:
--                  [{"name":"…","title":"…","year":2022|null,"members":["1214",…]}]
--   detail         fill comparator_values with the members of the
--                  Liknande kommuner group and their values (true); false
--                  spares a whole country's lists when nobody reads them
-- The comparator, besides 'mean' and 'median' (the Liknande kommuner group
-- chosen for the year), 'riket' and a Kolada group id: 'liknande' (the same as
-- 'mean' with a target), 'liknande:2022' (the group chosen for 2022, used for
-- every year), 'lan' (the other municipalities of the county: the first two
-- digits of the id) or the name of a group in own_groups_json.
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

-- A number in a Swedish note, written as internal/swedish.Number writes it:
-- rounded to six decimals and then half away from zero (through DECIMAL, so
-- 0,125 gives 0,13 and 1,005 gives 1,01, not the binary value's 0,12 and
-- 1,00), thousands separated by a no-break space, a decimal comma and a
-- real minus sign (U+2212).
CREATE OR REPLACE MACRO nka_sv(x, decimals) AS
    replace(replace(replace(format('{:,.' || decimals::VARCHAR || 'f}',
        round(round(x, 6)::DECIMAL(38, 6), decimals)::DOUBLE), ',', chr(160)), '.', ','), '-', chr(8722));

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
    SELECT area, population_kpi, 'pop' FROM a WHERE population_kpi IS NOT NULL
), v AS (
    SELECT k.area, o.unit_id AS municipality_id, o.year,
           max(o.value) FILTER (WHERE k.role = 'pct')  AS nka_pct,
           max(o.value) FILTER (WHERE k.role = 'mnkr') AS nka_mnkr,
           max(o.value) FILTER (WHERE k.role = 'net')  AS net_cost_kr_per_inv,
           max(o.value) FILTER (WHERE k.role = 'pop')  AS population,
           coalesce(bool_or(o.preliminary) FILTER (WHERE k.role IN ('pct', 'mnkr')), false) AS nka_preliminary,
           coalesce(bool_or(o.preliminary) FILTER (WHERE k.role IN ('net', 'pop')), false)  AS net_preliminary,
           coalesce(bool_or(o.preliminary) FILTER (WHERE k.role = 'pop'), false)             AS population_preliminary,
           max(o.load_id) FILTER (WHERE k.role = 'pop')                                       AS population_load_id,
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
       r.pct_load_id, r.population, r.population_preliminary, r.population_load_id, r.population_kpi,
       CASE WHEN r.mnkr_kpi IS NULL THEN 'Kolada har ingen NKA i mnkr för området: ingen referenskostnad'
            WHEN r.nka_pct IS NULL THEN NULL
            WHEN r.nka_mnkr IS NULL THEN printf('inget värde för NKA mnkr (%s): ingen referenskostnad', r.mnkr_kpi)
            WHEN NOT r.ratio_stable THEN
                CASE WHEN sign(r.nka_pct) <> sign(r.nka_mnkr) AND r.nka_pct <> 0 AND abs(r.nka_pct) >= r.min_abs_pct
                     THEN 'NKA % och NKA mnkr har olika tecken, så kvoten NKA mnkr / NKA % duger inte'
                     ELSE printf('NKA %s %% ligger för nära 0 (under %s %%) för kvoten NKA mnkr / NKA %%',
                                 nka_sv_trim(r.nka_pct, 6), nka_sv_trim(r.min_abs_pct, 6))
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

-- The p-quantile (0 <= p <= 1) of a list of numbers, interpolated between
-- the two nearest as Excel's PERCENTIL/PERCENTILE.INC and DuckDB's
-- quantile_cont do: h = (n − 1) × p, x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋+1] − x[⌊h⌋])
-- over the sorted values (counted from 0). NULL for an empty list. A macro,
-- because quantile_cont needs p as a constant and here it is a parameter.
CREATE OR REPLACE MACRO nka_quantile(xs, p) AS
    CASE WHEN xs IS NULL OR len(xs) = 0 OR p IS NULL THEN NULL
         ELSE list_sort(xs)[floor((len(xs) - 1) * p)::BIGINT + 1]
              + ((len(xs) - 1) * p - floor((len(xs) - 1) * p))
                * (list_sort(xs)[least(floor((len(xs) - 1) * p)::BIGINT + 2, len(xs))]
                   - list_sort(xs)[floor((len(xs) - 1) * p)::BIGINT + 1]) END;

-- A number in a Swedish note with at most so many decimals and no trailing
-- zeros: 50, 33,33, 12,5 (internal/swedish.Trimmed).
CREATE OR REPLACE MACRO nka_sv_trim(x, decimals) AS
    replace(rtrim(rtrim(replace(nka_sv(x, decimals), ',', '.'), '0'), '.'), '.', ',');
CREATE OR REPLACE MACRO nka_sv_short(x) AS nka_sv_trim(x, 2);

-- A Swedish ordinal for a percentile: 1:a, 2:a, 3:e … 11:e, 12:e, 21:a, 25:e.
CREATE OR REPLACE MACRO nka_ordinal(n) AS
    n::VARCHAR || CASE WHEN n % 10 IN (1, 2) AND n % 100 NOT IN (11, 12) THEN ':a' ELSE ':e' END;

-- The län (county) of a municipality: the first two digits of its id.
CREATE OR REPLACE MACRO nka_lan() AS TABLE
SELECT * FROM (VALUES ('01', 'Stockholms län'), ('03', 'Uppsala län'), ('04', 'Södermanlands län'),
    ('05', 'Östergötlands län'), ('06', 'Jönköpings län'), ('07', 'Kronobergs län'), ('08', 'Kalmar län'),
    ('09', 'Gotlands län'), ('10', 'Blekinge län'), ('12', 'Skåne län'), ('13', 'Hallands län'),
    ('14', 'Västra Götalands län'), ('17', 'Värmlands län'), ('18', 'Örebro län'), ('19', 'Västmanlands län'),
    ('20', 'Dalarnas län'), ('21', 'Gävleborgs län'), ('22', 'Västernorrlands län'), ('23', 'Jämtlands län'),
    ('24', 'Västerbottens län'), ('25', 'Norrbottens län')) t(lan_id, lan_name);

-- The gap per municipality, area and year, for every municipality that has a
-- peer group of the area (or every municipality with values, for an area in
-- group_override, and for a comparator that does not depend on the
-- municipality's Liknande kommuner group: riket, lan, a Kolada group id, a
-- group of one's own) and every year the area has values. For year Y the group of the
-- latest year <= Y is used, else the earliest later one; a group without a
-- year only when the municipality has no group with one (group_choice).
--   peer_mean_pct   unweighted mean of the members of the Liknande kommuner
--                   group that have a value (as Kolada computes group
--                   values); peer_median_pct their median
--   comparator_*    the comparison set (the Liknande kommuner group, the
--                   group of a fixed year, the county, a group), its members
--                   with and without a value, comparator_stat_pct its target
--                   statistic in the row's year, comparator_projected_pct
--                   that statistic projected to target_year (peer_trend
--                   linear), comparator_text all of it in Swedish words
--   comparator_pct  what gap_pp is measured against
--   gap_pp          nka_pct - comparator_pct
--   gap_mnkr        gap_pp / 100 * reference_cost_mnkr
--   gap_kr_per_inv  gap_mnkr * 10^6 / population (invånare, N01951)
--   preliminary     any figure behind the row is preliminary
--   load_id         the latest load that wrote a value behind the row
CREATE OR REPLACE MACRO nka_gap(as_of := NULL, comparator := 'mean', group_override := NULL, areas_json := NULL,
                                municipalities := NULL, target := NULL, peer_trend := 'hold', target_year := NULL,
                                own_groups_json := NULL, detail := true) AS TABLE
WITH spec0 AS (
    SELECT CASE WHEN lower(trim(comparator)) IN ('mean', 'median', 'liknande') THEN 'liknande'
                WHEN lower(trim(comparator)) IN ('lan', 'län') THEN 'lan'
                WHEN lower(trim(comparator)) = 'riket' THEN 'riket'
                WHEN regexp_full_match(lower(trim(comparator)), 'liknande:\d{4}') THEN 'liknande_year'
                WHEN regexp_full_match(upper(trim(comparator)), 'G\d+') THEN 'group'
                ELSE 'own' END AS cmp_kind,
           CASE WHEN regexp_full_match(upper(trim(comparator)), 'G\d+') THEN upper(trim(comparator))
                WHEN lower(trim(comparator)) = 'län' THEN 'lan'
                ELSE lower(trim(comparator)) END AS cmp_name,
           try_cast(nullif(regexp_extract(lower(trim(comparator)), '^liknande:(\d{4})$', 1), '') AS INTEGER) AS cmp_fixed_year,
           lower(replace(coalesce(target, CASE WHEN lower(trim(comparator)) IN ('mean', 'median') THEN lower(trim(comparator))
                                               ELSE 'mean' END), ' ', '')) AS tgt,
           lower(replace(coalesce(peer_trend, 'hold'), ' ', '')) AS trend_name,
           target_year::INTEGER AS tyear
), spec1 AS (
    SELECT *,
           CASE WHEN tgt LIKE 'share:%' THEN coalesce(nullif(split_part(tgt, ':', 3), ''), 'mean') ELSE tgt END AS stat_name,
           CASE WHEN tgt LIKE 'share:%' THEN try_cast(split_part(tgt, ':', 2) AS DOUBLE) END AS share,
           CASE WHEN regexp_full_match(trend_name, 'linear:\d{1,2}') THEN split_part(trend_name, ':', 2)::INTEGER ELSE 0 END AS trend_n
    FROM spec0
), spec AS (
    SELECT *,
           CASE WHEN stat_name = 'median' THEN 0.5
                WHEN regexp_full_match(stat_name, 'p\d{1,2}') THEN substr(stat_name, 2)::INTEGER / 100.0 END AS stat_p,
           stat_name = 'mean' OR stat_name = 'median' OR regexp_full_match(stat_name, 'p\d{1,2}') AS stat_ok,
           (tgt NOT LIKE 'share:%' OR share BETWEEN 0 AND 1) AND (trend_name = 'hold' OR trend_n BETWEEN 2 AND 30) AS spec_ok,
           CASE WHEN stat_name = 'mean' THEN 'medelvärdet'
                WHEN stat_name = 'median' THEN 'medianen'
                WHEN regexp_full_match(stat_name, 'p\d{1,2}')
                THEN nka_ordinal(substr(stat_name, 2)::INTEGER) || ' percentilen' END AS stat_words
    FROM spec1
), vals AS MATERIALIZED (
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
), base AS (
    -- the rows, with their group choice: those with a Liknande kommuner
    -- group, and for a comparison set of its own (lan, a group, riket) also
    -- every municipality (asked for) with values but no such group
    SELECT * FROM choice
    UNION ALL BY NAME
    SELECT v.municipality_id, v.area, v.year
    FROM vals v CROSS JOIN spec s
    WHERE s.cmp_kind IN ('lan', 'group', 'own', 'riket')
      AND (municipalities IS NULL OR list_contains(string_split(municipalities, ','), v.municipality_id))
      AND NOT EXISTS (SELECT 1 FROM choice c
                      WHERE c.municipality_id = v.municipality_id AND c.area = v.area AND c.year = v.year)
), member_vals AS MATERIALIZED (
    SELECT c.municipality_id, c.area, c.year, gm.member_id,
           coalesce(mm.title, gm.member_title, gm.member_id) AS member, v.nka_pct, v.preliminary, v.pct_load_id,
           c.group_id, c.group_title, c.group_year
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
), peer_detail AS (
    -- for a target other than the mean, and for detail (`sparbeting
    -- --explain`): the values, and the members with them sorted by member_id
    -- (the struct's first field; an ordered aggregate costs more than the
    -- rest). Only when asked: it would double the cost of a whole country.
    SELECT municipality_id, area, year,
           coalesce(list(nka_pct) FILTER (WHERE nka_pct IS NOT NULL), []::DOUBLE[]) AS peer_xs,
           list_sort(list({'member_id': member_id, 'member': member, 'nka_pct': nka_pct})) AS peer_values
    FROM member_vals CROSS JOIN spec s
    WHERE detail OR s.stat_p IS NOT NULL
    GROUP BY ALL
), fixed_choice AS (
    -- liknande:Y: the group the choice gives for year Y, for every year
    SELECT r.municipality_id, r.area, r.group_id, r.group_title, r.group_year
    FROM ranges r CROSS JOIN spec s
    WHERE s.cmp_kind = 'liknande_year' AND s.cmp_fixed_year BETWEEN r.from_year AND r.to_year
    UNION ALL
    SELECT DISTINCT o.municipality_id, o.area, o.group_id, o.group_title, o.group_year
    FROM override_choice o CROSS JOIN spec s
    WHERE s.cmp_kind = 'liknande_year'
), own AS (
    SELECT lower(g.x.name) AS name, g.x.title AS title, g.x.year AS group_year, g.x.members AS members
    FROM (SELECT unnest(from_json(coalesce(own_groups_json::VARCHAR, '[]'),
            '[{"name":"VARCHAR","title":"VARCHAR","year":"INTEGER","members":["VARCHAR"]}]')) AS x) g
), own_ranges AS (
    -- a group of one's own: a list of members per year applies from its
    -- year to the year before the next list, the earliest also before it;
    -- a list without a year applies to every year
    SELECT o.*,
           CASE WHEN row_number() OVER w = 1 THEN 0 ELSE o.group_year END AS from_year,
           coalesce(lead(o.group_year) OVER w - 1, 9999) AS to_year
    FROM own o CROSS JOIN spec s
    WHERE o.name = s.cmp_name
    WINDOW w AS (ORDER BY o.group_year ASC NULLS LAST)
), lan_members AS MATERIALIZED (
    -- the other municipalities of each municipality's county; computed for
    -- the municipalities of the rows only when the comparator is lan
    SELECT f.municipality_id, m.municipality_id AS member_id, m.title AS member_title,
           'lan' || left(f.municipality_id, 2) AS lan_id, coalesce(l.lan_name, 'län ' || left(f.municipality_id, 2)) AS lan_name
    FROM (SELECT DISTINCT municipality_id FROM base) f
    CROSS JOIN spec s
    JOIN municipality m ON left(m.municipality_id, 2) = left(f.municipality_id, 2) AND m.municipality_id <> f.municipality_id
         AND m.municipality_id <> '0000' AND coalesce(m.type, 'K') = 'K'
    LEFT JOIN nka_lan() l ON l.lan_id = left(f.municipality_id, 2)
    WHERE s.cmp_kind = 'lan'
), other_set AS (
    -- the comparison set of each row when it is not the year's Liknande
    -- kommuner group (that one is member_vals), the municipality left out
    SELECT b.municipality_id, b.area, b.year, gm.member_id, gm.member_title, f.group_id AS cmp_group_id,
           f.group_title AS cmp_group_title, f.group_year AS cmp_group_year
    FROM base b
    JOIN fixed_choice f USING (municipality_id, area)
    JOIN municipality_group_member gm ON gm.group_id = f.group_id AND gm.member_id <> b.municipality_id
    UNION ALL
    SELECT b.municipality_id, b.area, b.year, l.member_id, l.member_title, l.lan_id, l.lan_name, NULL
    FROM base b
    JOIN lan_members l USING (municipality_id)
    UNION ALL
    SELECT b.municipality_id, b.area, b.year, gm.member_id, gm.member_title, s.cmp_name, g.title, NULL
    FROM spec s
    JOIN municipality_group_member gm ON gm.group_id = s.cmp_name
    CROSS JOIN base b
    LEFT JOIN municipality_group g ON g.group_id = s.cmp_name
    WHERE s.cmp_kind = 'group' AND gm.member_id <> b.municipality_id
    UNION ALL
    SELECT b.municipality_id, b.area, b.year, om.member_id, NULL, om.name, om.title, om.group_year
    FROM base b
    JOIN (SELECT name, title, group_year, from_year, to_year, unnest(members) AS member_id FROM own_ranges) om
      ON b.year BETWEEN om.from_year AND om.to_year AND om.member_id <> b.municipality_id
), cmp_vals AS (
    -- the values of other_set (the year's Liknande kommuner group is peer's)
    SELECT o.municipality_id, o.area, o.year, o.member_id, coalesce(mm.title, o.member_title, o.member_id) AS member,
           o.cmp_group_id, o.cmp_group_title, o.cmp_group_year, v.nka_pct, v.preliminary, v.pct_load_id
    FROM other_set o
    LEFT JOIN municipality mm ON mm.municipality_id = o.member_id
    LEFT JOIN vals v ON v.municipality_id = o.member_id AND v.area = o.area AND v.year = o.year
), cmp AS (
    SELECT municipality_id, area, year,
           any_value(cmp_group_id) AS cmp_group_id, any_value(cmp_group_title) AS cmp_group_title,
           any_value(cmp_group_year) AS cmp_group_year,
           count(*) AS cmp_members, count(nka_pct) AS cmp_count, avg(nka_pct) AS cmp_mean,
           coalesce(list(nka_pct) FILTER (WHERE nka_pct IS NOT NULL), []::DOUBLE[]) AS cmp_xs,
           coalesce(list_sort(list(member) FILTER (WHERE nka_pct IS NULL)), []::VARCHAR[]) AS cmp_missing,
           list_sort(list({'member_id': member_id, 'member': member, 'nka_pct': nka_pct})) AS cmp_values,
           bool_or(preliminary) FILTER (WHERE nka_pct IS NOT NULL) AS cmp_preliminary,
           max(pct_load_id) FILTER (WHERE nka_pct IS NOT NULL) AS cmp_load_id
    FROM cmp_vals
    GROUP BY municipality_id, area, year
), hist AS (
    -- peer_trend linear:N: the same members' values in the N years ending
    -- in the row's year, the target statistic per year
    SELECT s.municipality_id, s.area, s.year, s.year - k.k AS hist_year,
           count(v.nka_pct) AS n, avg(v.nka_pct) AS mean_pct,
           coalesce(list(v.nka_pct) FILTER (WHERE v.nka_pct IS NOT NULL), []::DOUBLE[]) AS xs,
           bool_or(v.preliminary) FILTER (WHERE v.nka_pct IS NOT NULL) AS prelim,
           max(v.pct_load_id) FILTER (WHERE v.nka_pct IS NOT NULL) AS load_id
    FROM (SELECT mv.municipality_id, mv.area, mv.year, mv.member_id FROM member_vals mv CROSS JOIN spec sp WHERE sp.cmp_kind = 'liknande'
          UNION ALL
          SELECT municipality_id, area, year, member_id FROM cmp_vals) s
    JOIN (SELECT unnest(range(0, trend_n)) AS k FROM spec) k ON true
    LEFT JOIN vals v ON v.municipality_id = s.member_id AND v.area = s.area AND v.year = s.year - k.k
    GROUP BY ALL
), hist_stat AS (
    SELECT h.*, CASE WHEN s.stat_p IS NULL THEN h.mean_pct ELSE nka_quantile(h.xs, s.stat_p) END AS stat_pct
    FROM hist h CROSS JOIN spec s
), trend AS (
    SELECT municipality_id, area, year,
           regr_slope(stat_pct, hist_year) AS trend_slope,
           regr_avgy(stat_pct, hist_year) AS trend_avg_pct,
           regr_avgx(stat_pct, hist_year) AS trend_avg_year,
           count(stat_pct) AS trend_years,
           min(hist_year) FILTER (WHERE stat_pct IS NOT NULL) AS trend_from_year,
           max(hist_year) FILTER (WHERE stat_pct IS NOT NULL) AS trend_to_year,
           list_sort(list({'year': hist_year, 'pct': stat_pct, 'members_with_value': n})) AS trend_points,
           bool_or(prelim) AS trend_preliminary, max(load_id) AS trend_load_id
    FROM hist_stat
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
    SELECT b.municipality_id, b.area, b.year, string_agg(u.note, '; ' ORDER BY u.area NULLS LAST) AS note
    FROM base b
    JOIN unread u ON u.municipality_id = b.municipality_id AND (u.area IS NULL OR u.area = b.area)
    GROUP BY ALL
), nameless AS (
    SELECT count(*) AS n FROM grp WHERE status IN ('unreadable', 'area_unknown') AND named_municipality_id IS NULL
), r0 AS (
    SELECT c.municipality_id, m.title AS municipality, c.area, c.year,
           v.nka_pct, v.nka_mnkr,
           c.group_id AS peer_group_id, c.group_title AS peer_group_title, c.group_year AS peer_group_year,
           c.group_choice,
           coalesce(p.peer_count, 0) AS peer_count, coalesce(p.peer_members, 0) AS peer_members,
           p.peer_mean_pct, p.peer_median_pct,
           s.cmp_kind, s.cmp_name AS comparator_name, s.cmp_fixed_year, s.tgt, s.stat_name, s.stat_words, s.stat_p, s.stat_ok,
           s.spec_ok, s.share, s.trend_name, s.trend_n, s.tyear,
           -- the comparison set: the year's Liknande kommuner group (peer), or cmp
           CASE WHEN s.cmp_kind = 'liknande' THEN c.group_id ELSE x.cmp_group_id END AS cmp_group_id,
           CASE WHEN s.cmp_kind = 'liknande' THEN c.group_title ELSE x.cmp_group_title END AS cmp_group_title,
           CASE WHEN s.cmp_kind = 'liknande' THEN c.group_year ELSE x.cmp_group_year END AS cmp_group_year,
           coalesce(CASE WHEN s.cmp_kind = 'liknande' THEN p.peer_members ELSE x.cmp_members END, 0) AS cmp_members,
           coalesce(CASE WHEN s.cmp_kind = 'liknande' THEN p.peer_count ELSE x.cmp_count END, 0) AS cmp_count,
           coalesce(CASE WHEN s.cmp_kind = 'liknande' THEN p.missing_peers ELSE x.cmp_missing END, []::VARCHAR[]) AS cmp_missing,
           CASE WHEN s.cmp_kind = 'liknande' THEN pd.peer_values ELSE x.cmp_values END AS cmp_values,
           CASE WHEN s.cmp_kind = 'riket' THEN 0.0
                WHEN s.cmp_kind = 'liknande' AND s.stat_p IS NULL THEN p.peer_mean_pct
                WHEN s.cmp_kind = 'liknande' THEN nka_quantile(pd.peer_xs, s.stat_p)
                WHEN s.stat_p IS NULL THEN x.cmp_mean ELSE nka_quantile(x.cmp_xs, s.stat_p) END AS cmp_stat,
           t.trend_slope, t.trend_years, t.trend_from_year, t.trend_to_year, t.trend_points,
           CASE WHEN t.trend_years >= 2 AND s.tyear IS NOT NULL
                THEN t.trend_avg_pct + t.trend_slope * (s.tyear - t.trend_avg_year) END AS trend_projected,
           v.reference_cost_mnkr, v.reference_cost_method, v.reference_cost_ratio_mnkr, v.reference_cost_net_mnkr,
           v.net_cost_mnkr, v.reference_cost_note, v.population, v.population_kpi,
           coalesce(v.preliminary, false) OR coalesce(p.peer_preliminary, false)
               OR coalesce(x.cmp_preliminary, false) OR coalesce(t.trend_preliminary, false) AS prelim0,
           coalesce(v.population_preliminary, false) AS population_preliminary,
           coalesce(p.missing_peers, []::VARCHAR[]) AS missing_peers,
           greatest(v.load_id, p.peer_load_id, x.cmp_load_id, t.trend_load_id) AS load0, v.population_load_id,
           c.overridden, c.same_year_groups, c.same_year_group_ids,
           ur.note AS unread_note,
           nl.n AS nameless_groups,
           a.title AS area_title,
           coalesce(a.sort_order, 0) AS sort_order
    FROM base c
    CROSS JOIN spec s
    LEFT JOIN vals v USING (municipality_id, area, year)
    LEFT JOIN peer p USING (municipality_id, area, year)
    LEFT JOIN peer_detail pd USING (municipality_id, area, year)
    LEFT JOIN cmp x USING (municipality_id, area, year)
    LEFT JOIN trend t USING (municipality_id, area, year)
    LEFT JOIN unread_rows ur USING (municipality_id, area, year)
    CROSS JOIN nameless nl
    LEFT JOIN municipality m USING (municipality_id)
    LEFT JOIN nka_areas(areas_json := areas_json) a USING (area)
), r1 AS (
    SELECT *,
           CASE WHEN NOT stat_ok OR NOT spec_ok THEN NULL
                WHEN cmp_kind = 'riket' THEN 0.0
                WHEN trend_n > 0 THEN trend_projected
                ELSE cmp_stat END AS cmp_level,
           -- the comparison set in words
           CASE cmp_kind
                WHEN 'liknande' THEN 'liknande kommuner' || coalesce(' (' || cmp_group_id || ')', '')
                WHEN 'liknande_year' THEN printf('liknande kommuner enligt gruppen för %d', cmp_fixed_year)
                                          || coalesce(' (' || cmp_group_id || ')', '')
                WHEN 'lan' THEN 'övriga kommuner i ' || coalesce(cmp_group_title, 'länet')
                WHEN 'group' THEN 'gruppen ' || comparator_name || coalesce(' (' || cmp_group_title || ')', '')
                WHEN 'own' THEN 'den egna jämförelsegruppen ' || comparator_name
                                || coalesce(' (' || nullif(cmp_group_title, comparator_name) || ')', '')
           END AS set_words
    FROM r0
), r AS (
    SELECT *,
           CASE WHEN cmp_level IS NULL THEN NULL
                WHEN share IS NOT NULL THEN nka_pct - share * (nka_pct - cmp_level)
                ELSE cmp_level END AS comparator_pct,
           CASE WHEN cmp_kind = 'riket' THEN
                    CASE WHEN share IS NOT NULL
                         THEN printf('%s %% av avståndet till riket (NKA 0 per definition)', nka_sv_short(100 * share))
                         ELSE 'riket (NKA 0 per definition)' END
                WHEN NOT stat_ok OR NOT spec_ok OR stat_words IS NULL THEN NULL
                ELSE CASE WHEN share IS NOT NULL THEN printf('%s %% av avståndet till ', nka_sv_short(100 * share)) ELSE '' END
                     || stat_words || ' för ' || set_words
                     || CASE WHEN trend_n > 0 AND tyear IS NOT NULL
                             THEN printf(', framskrivet till %d med linjär trend över %d år (%d–%d)', tyear, trend_n,
                                         year - trend_n + 1, year)
                             WHEN tyear IS NOT NULL AND tyear <> year
                             THEN printf(' %d, antaget oförändrat till %d', year, tyear)
                             ELSE printf(' %d', year) END
           END AS comparator_text
    FROM r1
)
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr,
       peer_group_id, peer_group_title, peer_group_year, group_choice,
       CASE group_choice WHEN 'same_year' THEN 'samma år'
                         WHEN 'latest_earlier' THEN 'senaste tidigare'
                         WHEN 'later_group' THEN 'ingen tidigare grupp: senare grupp används'
                         WHEN 'no_year' THEN 'gruppens titel saknar år'
                         WHEN 'override' THEN 'angiven för hand' END AS group_choice_text,
       peer_members, peer_count, peer_mean_pct, peer_median_pct,
       comparator_name AS comparator, comparator_pct, nka_pct - comparator_pct AS gap_pp,
       reference_cost_mnkr, reference_cost_method, reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr,
       (nka_pct - comparator_pct) / 100 * reference_cost_mnkr AS gap_mnkr,
       prelim0 OR (population_preliminary AND (nka_pct - comparator_pct) * reference_cost_mnkr IS NOT NULL) AS preliminary,
       missing_peers,
       CASE WHEN (nka_pct - comparator_pct) * reference_cost_mnkr * population IS NOT NULL
            THEN greatest(load0, population_load_id) ELSE load0 END AS load_id,
       nullif(concat_ws('; ',
           CASE WHEN nka_pct IS NULL
                THEN printf('inget värde för NKA %% för %s %d', coalesce(municipality, municipality_id), year) END,
           CASE WHEN peer_group_id IS NULL
                THEN printf('ingen grupp "Liknande kommuner" för %s i databasen: liknande kommuners medelvärde och median saknas',
                            coalesce(area_title, area))
                WHEN overridden THEN printf('gruppen %s är angiven för hand', peer_group_id)
                WHEN peer_group_year IS NULL THEN printf('gruppen %s saknar år i titeln', peer_group_id)
                WHEN peer_group_year > year
                THEN printf('ingen grupp från %d eller tidigare: gruppen från %d (%s) används', year, peer_group_year, peer_group_id)
                WHEN peer_group_year < year
                THEN printf('gruppen från %d (%s) används: den senaste tidigare', peer_group_year, peer_group_id) END,
           CASE WHEN same_year_groups > 1
                THEN printf('%d grupper för samma område, kommun och år (%s): %s används, den som Kolada publicerade senast',
                            same_year_groups, array_to_string(same_year_group_ids, ', '), peer_group_id) END,
           CASE WHEN peer_group_id IS NULL THEN NULL
                WHEN peer_members = 0 THEN printf('gruppen %s har inga medlemmar i databasen', peer_group_id)
                WHEN peer_count = 0 THEN 'ingen i gruppen har ett värde: inget medelvärde eller median'
                WHEN peer_count < peer_members
                THEN printf('medelvärde och median över %d av %d (värde saknas: %s)', peer_count, peer_members,
                            array_to_string(missing_peers, ', ')) END,
           CASE WHEN cmp_kind = 'own' AND cmp_members = 0 AND NOT list_contains(['mean', 'median', 'riket', 'liknande'], comparator_name)
                 AND comparator_name NOT IN (SELECT name FROM own)
                THEN printf('okänd jämförelse %s (använd mean, median, liknande, liknande:ÅR, lan, riket, ett grupp-id eller en egen grupp)',
                            comparator_name)
                WHEN cmp_kind = 'liknande_year' AND cmp_group_id IS NULL
                THEN printf('ingen grupp "Liknande kommuner" för %s och %d: ingen jämförelse', coalesce(area_title, area), cmp_fixed_year)
                WHEN cmp_kind NOT IN ('liknande', 'riket') AND cmp_members = 0
                THEN printf('jämförelsen %s har inga medlemmar i databasen', comparator_name)
                WHEN cmp_kind NOT IN ('liknande', 'riket') AND cmp_count = 0
                THEN printf('ingen i jämförelsen %s har ett värde %d', comparator_name, year)
                WHEN cmp_kind NOT IN ('liknande', 'riket')
                THEN printf('jämförelse %s: %d av %d med värde', set_words, cmp_count, cmp_members)
                     || CASE WHEN cmp_count < cmp_members
                             THEN ' (värde saknas: ' || array_to_string(cmp_missing, ', ') || ')' ELSE '' END END,
           CASE WHEN NOT stat_ok THEN printf('okänt mål %s (använd mean, median, p25 … p75 eller share:0.5)', tgt)
                WHEN NOT spec_ok THEN printf('ogiltigt mål %s eller trend %s (share mellan 0 och 1, linear:2 till linear:30)', tgt, trend_name) END,
           CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' AND tyear IS NULL
                THEN 'en trend (peer_trend linear) behöver ett målår (target_year): inget jämförelsevärde'
                WHEN trend_n > 0 AND cmp_kind <> 'riket' AND cmp_members > 0 AND coalesce(trend_years, 0) < 2
                THEN printf('för få år med värden för en trend (%d av %d): inget jämförelsevärde', coalesce(trend_years, 0), trend_n)
                WHEN trend_n > 0 AND cmp_kind <> 'riket' AND trend_years < trend_n
                THEN printf('trenden bygger på %d av %d år (%d–%d)', trend_years, trend_n, trend_from_year, trend_to_year) END,
           reference_cost_note,
           CASE WHEN (nka_pct - comparator_pct) * reference_cost_mnkr IS NOT NULL AND population IS NULL
                THEN printf('inget värde för invånare (%s) %d: ingen avvikelse i kr/inv', coalesce(population_kpi, 'N01951'), year) END,
           CASE WHEN prelim0 OR (population_preliminary AND (nka_pct - comparator_pct) * reference_cost_mnkr IS NOT NULL)
                THEN 'innehåller preliminära värden' END,
           unread_note,
           CASE WHEN nameless_groups = 1
                THEN '1 grupp "Liknande kommuner" kan inte knytas till någon kommun och används inte'
                WHEN nameless_groups > 1
                THEN printf('%d grupper "Liknande kommuner" kan inte knytas till någon kommun och används inte',
                            nameless_groups) END
       ), '') AS note,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note,
       tgt AS target, trend_name AS peer_trend, tyear AS target_year,
       CASE WHEN cmp_kind = 'riket' THEN 'riket' ELSE cmp_group_id END AS comparator_group,
       CASE WHEN cmp_kind = 'riket' THEN 'Riket' ELSE cmp_group_title END AS comparator_group_title,
       cmp_members AS comparator_members, cmp_count AS comparator_count, cmp_missing AS comparator_missing,
       cmp_stat AS comparator_stat_pct,
       CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' THEN trend_slope END AS trend_slope_pp,
       CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' THEN trend_from_year END AS trend_from_year,
       CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' THEN trend_to_year END AS trend_to_year,
       CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' THEN trend_projected END AS comparator_projected_pct,
       comparator_text,
       population,
       (nka_pct - comparator_pct) / 100 * reference_cost_mnkr * 1e6 / population AS gap_kr_per_inv,
       coalesce(cmp_values, []) AS comparator_values,
       CASE WHEN trend_n > 0 AND cmp_kind <> 'riket' THEN trend_points END AS trend_points,
       sort_order
FROM r;

CREATE OR REPLACE VIEW v_nka AS
SELECT municipality_id, municipality, area, year, nka_pct, nka_mnkr, reference_cost_mnkr, reference_cost_method,
       reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr, preliminary, load_id,
       reference_cost_note AS note, population,
       'Källa: Kolada (RKA). Beräkningar: egen bearbetning.' AS source_note
FROM nka_values();

CREATE OR REPLACE VIEW v_peer_group AS
SELECT group_id, group_title, area, municipality_id, municipality, group_year, status, member_id, member
FROM nka_peer_groups();

CREATE OR REPLACE VIEW v_nka_group_problem AS
SELECT * FROM nka_group_problems();

CREATE OR REPLACE VIEW v_nka_gap AS
SELECT * EXCLUDE (sort_order) FROM nka_gap();
