-- 0005_kolada_probe: what `nyckeltal kolada probe` found out about how Kolada's
-- v3 API answers where public evidence does not settle it (docs/KOLADA-API.md):
-- "no data" as 200 or 404, group means, next_url on an empty last page,
-- next_url keeping from_date and per_page, rows of units not asked for, rate
-- limits, v2. One row per probe, one per finding. The Kolada connector follows
-- the newest probe of its base URL; `nyckeltal run` probes on its first run and
-- after a Kolada failure a probe could explain.
--
-- Since this version group values are no longer taken from the API: the view
-- v_kolada_group_value computes them from the members in the store. The first
-- Kolada load after the upgrade ends the group values earlier versions stored
-- (unit_kind 'group'); they stay in observation_history, and the load says how
-- many it ended. For Kolada loads, load.rows_skipped counts the values of
-- units, KPIs or years an answer carried that the request did not ask for
-- (group rows among them), which are not stored.

CREATE SEQUENCE kolada_probe_id_seq START 1;

CREATE TABLE kolada_probe (
    probe_id     BIGINT PRIMARY KEY DEFAULT nextval('kolada_probe_id_seq'),
    base_url     VARCHAR NOT NULL,          -- the API probed, e.g. https://api.kolada.se/v3
    probed_at    TIMESTAMPTZ NOT NULL,
    requests     BIGINT NOT NULL DEFAULT 0, -- HTTP requests the probe made, retries included
    trigger      VARCHAR NOT NULL,          -- command | first-run | after-failure
    tool_version VARCHAR
);

CREATE TABLE kolada_probe_finding (
    probe_id  BIGINT NOT NULL,
    behaviour VARCHAR NOT NULL,   -- no_data, group_means, empty_last_page, next_url_params, listed_units, all_units, rate_limit, v2
    answer    VARCHAR NOT NULL,   -- a stable code per behaviour (docs/KOLADA-API.md), 'unknown' when the probe could not tell
    status    INTEGER,            -- the HTTP status that decided it
    url       VARCHAR,            -- the request that decided it
    detail    VARCHAR,            -- what was seen, in words
    PRIMARY KEY (probe_id, behaviour)
);
