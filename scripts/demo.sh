#!/usr/bin/env bash
# make demo: the whole flow, offline, against the in-repo fake Kolada server
# serving a small synthetic data set with fictional municipalities.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/out/demo"
rm -rf "$out"
mkdir -p "$out"

"$root/bin/kolada-fake" --synthetic demo --with-catalogue-kpis --url-file "$out/kolada-url" 2>"$out/kolada-fake.log" &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/kolada-url" ] && break; sleep 0.1; done
[ -s "$out/kolada-url" ] || { echo "the fake Kolada server did not start:"; cat "$out/kolada-fake.log"; exit 1; }
export NYCKELTAL_KOLADA_URL=$(cat "$out/kolada-url")
export NYCKELTAL_CONFIG="$root/data/samples/nyckeltal.demo.toml"

nyk() { echo; echo "\$ nyckeltal $*"; "$root/bin/nyckeltal" --log-format console "$@"; }

echo "Fake Kolada at $NYCKELTAL_KOLADA_URL ($(cat "$out/kolada-fake.log"))"
nyk kolada probe              # how the (fake) Kolada answers where that is not documented
nyk ingest kolada --archive "$out/kolada-archive"
nyk run                      # the nightly run: every job in a working copy, then published at once
nyk status                   # freshness per source, last success and failure per job
nyk schedule --list          # what the daemon (nyckeltal schedule) would run, and when
nyk kpi search nettokostnadsavvikelse äldreomsorg
nyk sql "SELECT municipality, year, round(value, 2) AS nka_pct, preliminary
         FROM v_kolada_value WHERE kpi_id = 'N20900' AND municipality_id = '9001' ORDER BY year"
nyk sql "SELECT group_title, count(*) AS members FROM v_municipality_group_member
         WHERE group_title LIKE 'Liknande kommuner%Exempelköping%' GROUP BY ALL ORDER BY 1"
nyk sql "SELECT group_title, year, round(value, 2) AS mean_nka_pct, members_with_value, members, note
         FROM v_kolada_group_value WHERE kpi_id = 'N20900' AND group_title LIKE 'Liknande kommuner äldreomsorg, Exempelköping%'
         AND year >= 2023 ORDER BY ALL"

# Nettokostnadsavvikelse against liknande kommuner, and the sparbeting it sizes
# (Exempelköping has two generations of äldreomsorg groups: 2022 and 2024).
nyk gap --area aldreomsorg,ifo --year 2021-2025
nyk gap --municipality all --year 2024 --out "$out/gap-2024.csv"
nyk sql "SELECT area, year, peer_group_id, round(gap_pp, 2) AS gap_pp, round(gap_mnkr, 2) AS gap_mnkr, preliminary
         FROM v_nka_gap WHERE municipality_id = '9001' AND area = 'aldreomsorg' ORDER BY year"
nyk sparbeting --base-year 2023 --start-year 2024 --plan "$root/data/samples/atgardsplan-2024-2026.csv"
nyk sparbeting --compare-base-years 2022,2023 --start-year 2024
nyk sparbeting --base-year 2023 --start-year 2024 --profile front --plan "$root/data/samples/atgardsplan-2024-2026.csv" --out "$out/sparbeting-2023.xlsx"
nyk sparbeting --base-year 2023 --start-year 2024 --format json --out "$out/sparbeting-2023.json"

echo
echo "\$ nyckeltal --db $out/replayed.duckdb ingest kolada --from-archive $out/kolada-archive   # offline replay"
"$root/bin/nyckeltal" --log-format console --db "$out/replayed.duckdb" ingest kolada --from-archive "$out/kolada-archive"

# Local extracts: the synthetic samples (data/samples/) through the inbox.
nyk_may_fail() { echo; echo "\$ nyckeltal $*"; "$root/bin/nyckeltal" --log-format console "$@" || echo "(exit code $?)"; }
echo
echo "== Local extracts: WebFOCUS reports, a Treserva extract and indicator files, through the inbox"
"$root/bin/nyckeltal" key generate "$out/pseudonym.key"
mkdir -p "$out/inbox/webfocus" "$out/inbox/treserva" "$out/inbox/indikatorer"
cp "$root"/data/samples/webfocus/* "$out/inbox/webfocus/"
cp "$root"/data/samples/treserva/* "$out/inbox/treserva/"
cp "$root"/data/samples/indikatorer/* "$out/inbox/indikatorer/"
printf 'indikator;period;värde\nSA_BMI_UNDER22;2024;27,9\nSA_BMI_UNDER22;2024-13;28,1\n' > "$out/inbox/indikatorer/trasig.csv"
echo "Inbox: $(cd "$out/inbox" && find . -type f | sort | tr '\n' ' ')"
nyk_may_fail ingest inbox
echo; echo "\$ cat $out/rejected/indikatorer/trasig.csv.error.txt"; cat "$out/rejected/indikatorer/trasig.csv.error.txt"
nyk ingest inbox
nyk sql "SELECT indicator_id, period_label, gender, regi, value FROM v_local_value
         WHERE indicator_id IN ('TRE_SABO_VANTAT_3M', 'TRE_BSS_VANTAT_3M') AND regi = 'alla' AND gender = 'T' ORDER BY 1, period_start, period_end"
nyk sql "SELECT 'Kolada U23401' AS figure, year, value, 'Källa: Kolada' AS source_note FROM v_kolada_value
         WHERE kpi_id = 'U23401' AND municipality_id = '9001' AND year = 2023
         UNION ALL
         SELECT 'Egen: ' || indicator_id, year, round(value, 1), source_note FROM v_local_value
         WHERE indicator_id = 'TRE_SABO_VANTETID_DAGAR' AND period_type = 'year' AND gender = 'T' AND regi = 'alla'"

echo; echo "A corrected WebFOCUS file replaces the values it changes; the history keeps both:"
sed 's/"Hemtjänst Norr","Kvinnor",20240101,20240831,8.4/"Hemtjänst Norr","Kvinnor",20240101,20240831,8.6/' \
  "$root/data/samples/webfocus/sjukfranvaro_comt.csv" > "$out/sjukfranvaro_comt_rattad.csv"
nyk ingest webfocus "$out/sjukfranvaro_comt_rattad.csv"
nyk ingest webfocus "$out/sjukfranvaro_comt_rattad.csv"
nyk sql "SELECT indicator_id, unit_id, period_start, period_end, gender, value, valid_from_load, valid_to_load
         FROM observation_history WHERE indicator_id = 'WF_SJUKFRANVARO_TOTALT' AND unit_id = 'Hemtjänst Norr'
         AND gender = 'K' AND period_type = 'interim' ORDER BY valid_from_load"
nyk sql "SELECT load_id, source, status, file_name, file_format, file_rows, rows_skipped, rows_refused, rows_inserted FROM v_file_load ORDER BY load_id"

# The uppdragsplan's indicator tables, the report, and the store as Parquet.
echo
echo "== Indicator tables and the report (the built-in uppdragsplan 2024; Exempelköping's own files and Kolada)"
echo "\$ nyckeltal catalog example > $out/katalog.toml   # a copy to edit; one id removed to show resolve"
"$root/bin/nyckeltal" catalog example | sed '0,/^source = "U23471"/s//source = ""/' > "$out/katalog.toml"
nyk catalog resolve --catalog "$out/katalog.toml"
nyk tables --catalog "$out/katalog.toml" --out "$out/tabeller"
nyk tables --out "$out/tabeller-excel" --format csv --excel --years 2023-2025
nyk report --out "$out/rapport.html"
nyk run                      # with tables.out_dir set, the job "derived" regenerates tables and report after the loads
echo; echo "\$ head -4 $out/tabeller/oversikt.md"; head -4 "$out/tabeller/oversikt.md"

echo
echo "== The store as Parquet, Hive-partitioned by source and year (docs/EXPORT.md)"
nyk export parquet --out "$out/export"
echo; echo "\$ cat $out/export/_nyckeltal_export.json | head -12"; head -12 "$out/export/_nyckeltal_export.json"
# nyckeltal sql reads the store and nothing else (docs/SECURITY.md): a query that reads a file is refused.
nyk_may_fail sql "SELECT count(*) FROM read_parquet('$out/export/observation/**/*.parquet', hive_partitioning = true)"

echo
echo "Tables: $out/tabeller/  Report: $out/rapport.html (open it in a browser; it loads nothing from outside)"
echo "Demo store: $out/nyckeltal.duckdb — query it with: bin/nyckeltal --db $out/nyckeltal.duckdb sql \"SELECT …\""
