-- 0004_nka_area: the verksamheter of the nettokostnadsavvikelse (NKA)
-- comparison, which the views v_nka, v_peer_group and v_nka_gap read.
--
-- Every writing command rewrites this table from the configuration ([nka] and
-- [nka.areas.*] of nyckeltal.toml) when it differs, so the views follow the
-- configuration; `nyckeltal gap` and `nyckeltal sparbeting` pass the
-- configuration's areas to the table macros directly and never depend on it.
-- The rows below are the built-in areas (transform/nka.BuiltinAreas; a test
-- keeps the two identical).
CREATE TABLE nka_area (
    area        VARCHAR PRIMARY KEY,   -- slug: aldreomsorg, ifo, …
    title       VARCHAR NOT NULL,      -- the verksamhet as Kolada names it
    pct_kpi     VARCHAR NOT NULL,      -- NKA in % of the reference cost
    mnkr_kpi    VARCHAR,               -- NKA in mnkr; NULL when Kolada has none
    group_title VARCHAR NOT NULL,      -- text the "Liknande kommuner" group titles contain
    min_abs_pct DOUBLE NOT NULL,       -- below this |NKA %| the implied reference cost is not computed
    sort_order  INTEGER NOT NULL
);

INSERT INTO nka_area VALUES
    ('aldreomsorg',   'äldreomsorg',                              'N20900', 'N20029', 'Liknande kommuner äldreomsorg',   0.5, 1),
    ('ifo',           'individ- och familjeomsorg',               'N30001', 'N30026', 'Liknande kommuner IFO',           0.5, 2),
    ('lss',           'LSS',                                      'N28018', 'N28021', 'Liknande kommuner LSS',           0.5, 3),
    ('forskola',      'förskola inkl. öppen förskola',            'N11024', 'N11038', 'Liknande kommuner förskola',      0.5, 4),
    ('fritidshem',    'fritidshem inkl. öppen fritidsverksamhet', 'N13020', 'N13032', 'Liknande kommuner fritidshem',    0.5, 5),
    ('grundskola',    'grundskola F-9',                           'N15001', 'N15045', 'Liknande kommuner grundskola',    0.5, 6),
    ('gymnasieskola', 'gymnasieskola',                            'N17001', 'N17030', 'Liknande kommuner gymnasieskola', 0.5, 7),
    ('overgripande',  'totalt (exkl. LSS)',                       'N00097', NULL,     'Liknande kommuner, övergripande', 0.5, 8);
