-- 0006_nka_group_title: the "Liknande kommuner" group titles as read, and
-- the NKA areas' matching words and net-cost key figures.
--
-- nka_group_title holds, for every municipality_group whose title says
-- "Liknande kommuner", what its title says: area, municipality and year, or
-- why it cannot be read. The store writes it from internal/grouptitle (the
-- one reader of these titles) whenever groups or municipalities are written
-- and when it opens for writing, so that the views v_peer_group, v_nka_gap
-- and v_nka_group_problem read titles exactly as the commands do.
CREATE TABLE nka_group_title (
    group_id              VARCHAR PRIMARY KEY,
    title                 VARCHAR NOT NULL,  -- as stored in municipality_group
    area_text             VARCHAR,           -- the area as the title writes it
    area_key              VARCHAR,           -- its normalised words, matched against nka_area.group_keys
    municipality_name     VARCHAR,           -- the municipality as the title writes it
    municipality_id       VARCHAR,           -- that name in the municipality table; NULL: not found
    named_municipality_id VARCHAR,           -- the municipality the title seems to name, also when unreadable
    group_year            INTEGER,           -- the year the title ends with; NULL: none
    problem               VARCHAR,           -- NULL when read; else prefix, year_unreadable, municipality_unknown,
                                             -- municipality_unreadable or area_missing
    problem_text          VARCHAR,           -- why, in Swedish
    reader_version        INTEGER NOT NULL   -- internal/grouptitle.Version
);

-- The words a group title's area may be written with (normalised as
-- grouptitle.AreaKey does: "individ- och familjeomsorg" → "individ och
-- familjeomsorg"), and the area's net cost per invånare with the invånare
-- it is multiplied by: the second derivation of the reference cost,
-- nettokostnad − NKA mnkr, for when NKA % is too close to 0 to divide by.
ALTER TABLE nka_area ADD COLUMN group_keys VARCHAR[];
ALTER TABLE nka_area ADD COLUMN net_cost_kpi VARCHAR;
ALTER TABLE nka_area ADD COLUMN population_kpi VARCHAR;

UPDATE nka_area SET group_keys = ['aldreomsorg', 'vard och omsorg om aldre'], net_cost_kpi = 'N20014', population_kpi = 'N01951' WHERE area = 'aldreomsorg';
UPDATE nka_area SET group_keys = ['ifo', 'individ och familjeomsorg'], net_cost_kpi = 'N30005', population_kpi = 'N01951' WHERE area = 'ifo';
UPDATE nka_area SET group_keys = ['lss'], net_cost_kpi = 'N28016', population_kpi = 'N01951' WHERE area = 'lss';
UPDATE nka_area SET group_keys = ['forskola', 'forskola inkl oppen forskola'], net_cost_kpi = 'N11031', population_kpi = 'N01951' WHERE area = 'forskola';
UPDATE nka_area SET group_keys = ['fritidshem', 'fritidshem inkl oppen fritidsverksamhet'], net_cost_kpi = 'N13027', population_kpi = 'N01951' WHERE area = 'fritidshem';
UPDATE nka_area SET group_keys = ['grundskola', 'grundskola f 9'], net_cost_kpi = 'N15028', population_kpi = 'N01951' WHERE area = 'grundskola';
UPDATE nka_area SET group_keys = ['gymnasieskola'], net_cost_kpi = 'N17014', population_kpi = 'N01951' WHERE area = 'gymnasieskola';
UPDATE nka_area SET group_keys = ['overgripande', 'totalt exkl lss', 'kommunen overgripande', 'totalt'] WHERE area = 'overgripande';
