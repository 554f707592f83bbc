-- The reads of the indicator tables and the report (transform/tables,
-- transform/report).

-- name: KoladaYearValues
-- Every municipality's yearly values of the KPIs $1 (the peers and Riket
-- are compared with).
SELECT indicator_id, unit_id, year, gender, value, preliminary
FROM observation
WHERE source = 'kolada' AND unit_kind = 'municipality' AND period_type = 'year' AND regi = 'alla'
  AND list_contains($1, indicator_id);

-- name: LocalValues
-- The local indicators $1 of the home municipality $2 and of its enheter.
SELECT indicator_id, unit_kind, unit_id, period_type, period_start, period_end,
		year, gender, regi, value, preliminary
FROM observation
WHERE source <> 'kolada' AND list_contains($1, indicator_id)
  AND ((unit_kind = 'municipality' AND unit_id = $2) OR unit_kind = 'local_unit');

-- name: LocalIndicatorInfo
SELECT indicator_id, coalesce(title, ''), coalesce(unit, ''), coalesce(source_system, '')
FROM local_indicator WHERE list_contains($1, indicator_id);

-- name: CostQualityPairs
-- Every municipality's (not Riket's) cost $2 and quality $1 in the years it
-- has both.
SELECT c.unit_id, coalesce(mu.title, c.unit_id), c.year, c.value, q.value,
	c.preliminary OR q.preliminary
FROM observation c
JOIN observation q ON q.unit_id = c.unit_id AND q.year = c.year AND q.indicator_id = $1 AND q.source = 'kolada'
     AND q.unit_kind = 'municipality' AND q.period_type = 'year' AND q.gender = 'T' AND q.regi = 'alla'
LEFT JOIN municipality mu ON mu.municipality_id = c.unit_id
WHERE c.indicator_id = $2 AND c.source = 'kolada' AND c.unit_kind = 'municipality' AND c.period_type = 'year'
  AND c.gender = 'T' AND c.regi = 'alla' AND c.unit_id <> '0000'
  AND c.value IS NOT NULL AND q.value IS NOT NULL
ORDER BY c.year, c.unit_id;
