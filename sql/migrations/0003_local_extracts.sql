-- 0003_local_extracts: the municipality's own files (WebFOCUS reports, Treserva
-- extracts, long indicator files) loaded into the same observation table as Kolada.
--
-- Each file is one load. The load row names the file, its SHA-256 (the same file
-- twice is a no-op), what the reader skipped (headings, totals, footings) and what
-- it refused; a refused file is a failed load with its problems, and nothing of it
-- reaches observation_version.

ALTER TABLE load ADD COLUMN file_name VARCHAR;         -- base name of the file, for file loads
ALTER TABLE load ADD COLUMN file_sha256 VARCHAR;       -- hex SHA-256 of the file's bytes
ALTER TABLE load ADD COLUMN file_bytes BIGINT;
ALTER TABLE load ADD COLUMN file_format VARCHAR;       -- COMT, DFIX, EXL2K, XLSX, treserva-csv …
ALTER TABLE load ADD COLUMN file_rows BIGINT DEFAULT 0;    -- data rows in the file, refused ones included
ALTER TABLE load ADD COLUMN rows_skipped BIGINT DEFAULT 0; -- heading, total, subtotal, footing and blank rows
ALTER TABLE load ADD COLUMN rows_refused BIGINT DEFAULT 0; -- data rows refused (bad date, number, personnummer …)
ALTER TABLE load ADD COLUMN refused JSON;              -- the first 50 problems: line, column, reason (personnummer masked)
ALTER TABLE load ADD COLUMN quarantine_file VARCHAR;   -- with --skip-bad-rows: the CSV of refused rows (masked)

-- Names, units and source systems of local indicator codes (WF_…, TRE_…, and the
-- codes of long indicator files), so that analysts and comparison tables can name
-- them the way kpi names Kolada's.
CREATE TABLE local_indicator (
    indicator_id  VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,    -- the connector that last described it: webfocus | treserva | indicators
    title         VARCHAR,
    unit          VARCHAR,             -- procent, antal, dagar, timmar, årsarbetare …
    source_system VARCHAR,             -- WebFOCUS, Treserva, Combine, Ekonomisystemet, Palliativa registret …
    description   VARCHAR,
    updated_load  BIGINT
);

-- PERSONAL DATA (pseudonymised). One row per decision of a Treserva extract that
-- the indicators were computed from: no personnummer, only a keyed HMAC pseudonym
-- (the key lives in a file outside this database), the birth year and the kön
-- derived from the personnummer. Only decisions about särskilt boende (SoL) and
-- bostad med särskild service (LSS) are kept. Every load keeps its own rows, so a
-- corrected extract does not erase what an earlier one said; the view
-- treserva_decision_current shows the newest extract's rows. Access to this
-- table must be limited like any personal data; set
-- local.treserva.keep_decisions = false to keep none.
CREATE TABLE treserva_decision (
    load_id          BIGINT NOT NULL,
    line             INTEGER NOT NULL,  -- line in the extract
    person           VARCHAR NOT NULL,  -- HMAC-SHA-256 pseudonym (128 bits, hex)
    key_id           VARCHAR NOT NULL,  -- identifies the pseudonym key, not the key itself
    birth_year       INTEGER NOT NULL,
    gender           VARCHAR NOT NULL CHECK (gender IN ('K', 'M')),
    insats_group     VARCHAR NOT NULL CHECK (insats_group IN ('sabo', 'bss')),
    insats           VARCHAR,
    lagrum           VARCHAR,
    application_date DATE,              -- ansökningsdatum
    decision_date    DATE NOT NULL,     -- beslutsdatum
    granted          BOOLEAN NOT NULL,  -- bifall (true) or avslag (false)
    offered_date     DATE,              -- erbjudet inflyttningsdatum (the first)
    executed_date    DATE,              -- verkställighetsdatum
    ended_date       DATE,              -- avslutsdatum
    utforare         VARCHAR,
    regi             VARCHAR CHECK (regi IN ('egen', 'privat')),
    enhet            VARCHAR,
    extract_date     DATE NOT NULL      -- the date the extract describes (--as-of, else its latest date)
);
