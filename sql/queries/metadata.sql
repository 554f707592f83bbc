-- The metadata Kolada publishes (kpi, municipality, municipality_group),
-- as the commands and the transforms read it.

-- name: KPIs
SELECT kpi_id, coalesce(title, ''), coalesce(description, ''), coalesce(operating_area, ''),
	coalesce(municipality_type, ''), coalesce(is_divided_by_gender, false), coalesce(has_ou_data, false),
	coalesce(auspice, ''), coalesce(perspective, ''), publication_date, prel_publication_date,
	coalesce(publ_period, ''), coalesce(raw::VARCHAR, '')
FROM kpi ORDER BY kpi_id;

-- name: KPIsByID
SELECT kpi_id, coalesce(title, ''), coalesce(description, ''), coalesce(operating_area, ''),
	coalesce(municipality_type, ''), coalesce(is_divided_by_gender, false), coalesce(has_ou_data, false),
	coalesce(auspice, ''), coalesce(perspective, ''), publication_date, prel_publication_date,
	coalesce(publ_period, ''), coalesce(raw::VARCHAR, '')
FROM kpi WHERE list_contains($1, kpi_id) ORDER BY kpi_id;

-- name: SearchKPIs
-- $1: the search words, already LIKE-escaped; every one must occur in the
-- id, title or operating area, ignoring case and accents. $2: the limit.
SELECT kpi_id, coalesce(title, ''), coalesce(description, ''), coalesce(operating_area, ''),
	coalesce(municipality_type, ''), coalesce(is_divided_by_gender, false), coalesce(has_ou_data, false),
	coalesce(auspice, ''), coalesce(perspective, ''), publication_date, prel_publication_date,
	coalesce(publ_period, ''), coalesce(raw::VARCHAR, '')
FROM kpi
WHERE list_bool_and(list_transform($1::VARCHAR[], lambda w:
	strip_accents(lower(kpi_id || ' ' || coalesce(title, '') || ' ' || coalesce(operating_area, '')))
	LIKE '%' || strip_accents(lower(w)) || '%' ESCAPE '\'))
ORDER BY kpi_id LIMIT $2;

-- name: KPITitles
SELECT kpi_id, coalesce(title, '') FROM kpi WHERE list_contains($1, kpi_id);

-- name: LatestPublicationDate
SELECT max(publication_date) FROM kpi WHERE list_contains($1, kpi_id);

-- name: KPIStateMetadata
SELECT kpi_id, coalesce(title, ''), coalesce(municipality_type, ''), coalesce(is_divided_by_gender, false)
FROM kpi WHERE list_contains($1, kpi_id);

-- name: KPIStateFetched
-- Per KPI and year, the start of the last successful load that fetched it
-- for every municipality or for $2.
SELECT indicator_id, year, max(started_at)
FROM load_coverage
WHERE source = $1 AND (scope = 'municipality:*' OR scope = 'municipality:' || $2) AND list_contains($3, indicator_id)
GROUP BY indicator_id, year;

-- name: HasKPICatalogue
-- Whether a successful load of $1 kept the source's whole KPI catalogue.
SELECT count(*) > 0 FROM load
WHERE source = $1 AND status = 'ok'
  AND coalesce(json_extract_string(params, '$.catalogue'), json_extract_string(params, '$.plan.catalogue')) = 'true';

-- name: MunicipalityCandidates
-- The municipalities an id or a name may mean: the id, or a title that
-- holds the name ignoring case and accents ("norrkoping", "upplands vasby").
-- by_id, folded (the whole title, accents and case aside) and kommun rank
-- them; the rest are candidates to name.
SELECT municipality_id, title, coalesce(type, 'K') = 'K' AS kommun,
	municipality_id = $1 AS by_id,
	strip_accents(lower(title)) = strip_accents(lower($1)) AS folded
FROM municipality
WHERE municipality_id = $1 OR contains(strip_accents(lower(title)), strip_accents(lower($1)))
ORDER BY by_id DESC, folded DESC, kommun DESC, title
LIMIT 20;

-- name: MunicipalityTitle
SELECT title FROM municipality WHERE municipality_id = $1;

-- name: GroupTitle
SELECT title FROM municipality_group WHERE group_id = $1;

-- name: Summary
SELECT
	(SELECT count(*) FROM observation_version WHERE valid_to_load IS NULL),
	(SELECT count(*) FROM kpi), (SELECT count(*) FROM municipality), (SELECT count(*) FROM municipality_group);
