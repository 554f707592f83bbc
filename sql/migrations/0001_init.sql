-- 0001_init: loads, observations with full value history, Kolada metadata.
--
-- Every source (Kolada, WebFOCUS, Treserva, local indicator files) writes into
-- observation_version. A row is one version of one value; the current value is
-- the version whose valid_to_load is NULL. Versions are only ever written by the
-- single transaction that finishes a load, so a load that did not finish leaves
-- no trace in the observations.

CREATE SEQUENCE load_id_seq START 1;

CREATE TABLE load (
    load_id       BIGINT PRIMARY KEY DEFAULT nextval('load_id_seq'),
    source        VARCHAR NOT NULL,            -- kolada | webfocus | treserva | indicators
    mode          VARCHAR NOT NULL,            -- full | incremental | archive | file
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    rows_read     BIGINT NOT NULL DEFAULT 0,   -- values received from the source
    rows_inserted BIGINT NOT NULL DEFAULT 0,   -- new keys
    rows_updated  BIGINT NOT NULL DEFAULT 0,   -- keys whose value, count, status or preliminary flag changed
    rows_deleted  BIGINT NOT NULL DEFAULT 0,   -- current versions ended (isdeleted, or gone from a full refresh)
    requests      BIGINT NOT NULL DEFAULT 0,   -- HTTP requests made, retries included
    error         VARCHAR,
    params        JSON,                        -- what the load asked for
    tool_version  VARCHAR
);

CREATE TABLE observation_version (
    source          VARCHAR NOT NULL,
    indicator_id    VARCHAR NOT NULL,          -- Kolada KPI id or a local indicator code
    unit_kind       VARCHAR NOT NULL CHECK (unit_kind IN ('municipality', 'group', 'ou', 'local_unit')),
    unit_id         VARCHAR NOT NULL,
    period_type     VARCHAR NOT NULL CHECK (period_type IN ('year', 'interim', 'quarter', 'month')),
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    year            INTEGER NOT NULL,
    gender          VARCHAR NOT NULL CHECK (gender IN ('T', 'K', 'M')),
    regi            VARCHAR NOT NULL CHECK (regi IN ('alla', 'egen', 'privat')),
    value           DOUBLE,                    -- NULL stays NULL, never 0
    count           BIGINT,
    status          VARCHAR,
    preliminary     BOOLEAN NOT NULL DEFAULT false,
    valid_from_load BIGINT NOT NULL,           -- the load that wrote this version
    valid_to_load   BIGINT,                    -- the load that ended it; NULL while current
    valid_from      TIMESTAMPTZ NOT NULL,      -- commit time of valid_from_load
    valid_to        TIMESTAMPTZ                -- commit time of valid_to_load
);

CREATE TABLE kpi (
    kpi_id                VARCHAR PRIMARY KEY,
    title                 VARCHAR,
    description           VARCHAR,
    operating_area        VARCHAR,
    municipality_type     VARCHAR,
    is_divided_by_gender  BOOLEAN,
    has_ou_data           BOOLEAN,
    auspice               VARCHAR,
    perspective           VARCHAR,
    publication_date      DATE,
    prel_publication_date DATE,
    publ_period           VARCHAR,
    raw                   JSON,                -- the whole v3 record, fields we do not model included
    updated_load          BIGINT
);

CREATE TABLE municipality (
    municipality_id VARCHAR PRIMARY KEY,       -- '0000' is Riket
    title           VARCHAR NOT NULL,
    type            VARCHAR,                   -- K kommun, L region/landsting
    updated_load    BIGINT
);

CREATE TABLE municipality_group (
    group_id        VARCHAR PRIMARY KEY,
    title           VARCHAR NOT NULL,
    first_seen_load BIGINT,
    last_seen_load  BIGINT,
    updated_load    BIGINT
);

CREATE TABLE municipality_group_member (
    group_id     VARCHAR NOT NULL,
    member_id    VARCHAR NOT NULL,
    member_title VARCHAR,
    PRIMARY KEY (group_id, member_id)
);

CREATE TABLE ou (
    ou_id           VARCHAR PRIMARY KEY,
    municipality_id VARCHAR,
    title           VARCHAR,
    updated_load    BIGINT
);

-- What a source has fully covered, and since when: an incremental Kolada load
-- asks only for changes since the last successful load that covered the same
-- KPI, unit scope and year, and fetches in full whatever it never covered.
CREATE TABLE load_coverage (
    source       VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    scope        VARCHAR NOT NULL,              -- e.g. 'municipality:*', 'municipality:0581', 'ou:*'
    year         INTEGER NOT NULL,
    load_id      BIGINT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, indicator_id, scope, year)
);
