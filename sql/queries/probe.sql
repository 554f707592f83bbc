-- Named statements of the Kolada probe's findings (kolada_probe, 0005).

-- name: InsertKoladaProbe
-- $1 base_url, $2 probed_at, $3 requests, $4 trigger, $5 tool_version.
INSERT INTO kolada_probe (base_url, probed_at, requests, trigger, tool_version)
VALUES ($1, $2, $3, $4, $5) RETURNING probe_id;

-- name: InsertKoladaProbeFinding
INSERT INTO kolada_probe_finding (probe_id, behaviour, answer, status, url, detail)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: LatestKoladaProbe
-- The newest probe of a base URL.
SELECT probe_id, base_url, probed_at, requests, trigger, coalesce(tool_version, '')
FROM kolada_probe WHERE base_url = $1
ORDER BY probed_at DESC, probe_id DESC LIMIT 1;

-- name: KoladaProbeFindings
SELECT behaviour, answer, coalesce(status, 0), coalesce(url, ''), coalesce(detail, '')
FROM kolada_probe_finding WHERE probe_id = $1
ORDER BY behaviour;
