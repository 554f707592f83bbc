-- name: NativeKoladaInsert
-- The yardstick of `make bench`: DuckDB's own JSON reader loading saved
-- Kolada pages ($1, a glob) into the table the connector writes, as one
-- statement.
INSERT INTO observation_version
SELECT 'kolada', r.kpi, 'municipality', r.municipality, 'year',
       make_date(r.period, 1, 1), make_date(r.period, 12, 31), r.period,
       v.gender, 'alla', v.value, v.count, nullif(v.status, ''), false,
       1, NULL, now(), NULL
FROM (SELECT unnest("values") AS r
      FROM read_json($1, format = 'auto', records = true, maximum_object_size = 1073741824,
           columns = {"values": 'STRUCT(kpi VARCHAR, municipality VARCHAR, period INTEGER,
               "values" STRUCT(gender VARCHAR, count BIGINT, status VARCHAR, value DOUBLE, isdeleted BOOLEAN)[])[]'})) t,
     LATERAL (SELECT unnest(r."values") AS v) u;
