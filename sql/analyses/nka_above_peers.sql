-- Municipalities above their liknande kommuner: per area, the latest final
-- (not preliminary) year, the gap against the peers' mean in percentage
-- points and in mnkr. Computed from Kolada values.
-- Källa: Kolada (RKA). Beräkningar: egen bearbetning.
SELECT municipality_id, municipality, area, year, peer_group_id,
       round(nka_pct, 2) AS nka_pct, round(peer_mean_pct, 2) AS peer_mean_pct,
       round(gap_pp, 2) AS gap_pp, round(gap_mnkr, 1) AS gap_mnkr, note
FROM v_nka_gap
WHERE NOT preliminary AND gap_pp > 0
QUALIFY year = max(year) OVER (PARTITION BY municipality_id, area)
ORDER BY area, gap_mnkr DESC NULLS LAST;
