package cli

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// Exit codes. They are documented in the README; scripts and monitoring
// depend on them, so they never change meaning.
const (
	ExitOK          = 0   // everything succeeded
	ExitFailure     = 1   // an unexpected error (a bug, or the machine: disk full, permissions)
	ExitUsage       = 2   // wrong command line or configuration
	ExitData        = 3   // the data or the store cannot be used as asked (bad input, schema mismatch, no store)
	ExitNetwork     = 4   // Kolada could not be reached or did not answer properly
	ExitBusy        = 5   // another process is writing the store
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM; nothing half-written is visible
)

// UsageError is a mistake on the command line: a flag, or a value a use
// case cannot take (app.UsageError).
type UsageError = app.UsageError

func usageErrorf(format string, args ...any) error { return app.UsageErrorf(format, args...) }

// ErrFilesRefused means at least one file was refused; the report says why.
var ErrFilesRefused = app.ErrFilesRefused

// ExitCode maps an error to the process exit code. This is the only place
// that does so.
func ExitCode(err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &usage), errors.Is(err, config.ErrInvalid), errors.Is(err, personnummer.ErrNoKey),
		errors.Is(err, personnummer.ErrBadKey), errors.Is(err, personnummer.ErrKeyExists):
		return ExitUsage
	case errors.Is(err, nka.ErrUnknownArea), errors.Is(err, nka.ErrUnknownMunicipality), errors.Is(err, nka.ErrUnknownGroup),
		errors.Is(err, nka.ErrBadComparator), errors.Is(err, nka.ErrBadProfile), errors.Is(err, nka.ErrBadYears),
		errors.Is(err, nka.ErrBadTarget), errors.Is(err, nka.ErrInvalidGroup):
		return ExitUsage
	case errors.Is(err, catalog.ErrInvalid), errors.Is(err, tables.ErrBadFormat), errors.Is(err, store.ErrExportTarget),
		errors.Is(err, kolada.ErrUnknownGroup):
		return ExitUsage
	case errors.Is(err, store.ErrQueryRefused), errors.Is(err, outpath.ErrProtected), errors.Is(err, outpath.ErrNotOurs):
		return ExitUsage
	case errors.Is(err, store.ErrStoreBusy), errors.Is(err, store.ErrPublishBlocked):
		return ExitBusy
	case errors.Is(err, kolada.ErrUnreachable), errors.Is(err, kolada.ErrUnavailable):
		return ExitNetwork
	case errors.Is(err, kolada.ErrRejected), errors.Is(err, kolada.ErrInvalidPage),
		errors.Is(err, kolada.ErrIncompleteArchive),
		errors.Is(err, store.ErrNoStore), errors.Is(err, store.ErrSchemaTooNew),
		errors.Is(err, store.ErrSchemaTooOld), errors.Is(err, store.ErrInvalidObservation),
		errors.Is(err, ownfiles.ErrRefused), errors.Is(err, ErrFilesRefused),
		errors.Is(err, nka.ErrNoData), errors.Is(err, atgardsplan.ErrInvalid), errors.Is(err, store.ErrViewsOutdated),
		errors.Is(err, tables.ErrNoData):
		return ExitData
	}
	return ExitFailure
}

// diskFull and readOnly recognise the machine's refusals, which DuckDB
// reports as text rather than as wrapped system errors.
func diskFull(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "no space left on device") || strings.Contains(msg, "not enough space on the disk")
}

func readOnly(err error) bool {
	msg := strings.ToLower(err.Error())
	return errors.Is(err, os.ErrPermission) || strings.Contains(msg, "read-only file system") ||
		strings.Contains(msg, "permission denied")
}

// hint says what to try next, for the errors where that is known.
func hint(err error) string {
	switch {
	case diskFull(err):
		return "the disk of the store is full; nothing was changed. A writing command needs room for a second copy of the store " +
			"beside it while it works (docs/OPERATIONS.md): free space there, or move the store with --db or store.path"
	case readOnly(err):
		return "the store's directory (or the file) cannot be written by this user; nothing was changed. Writing commands need " +
			"to create files beside the store (a lock, a working copy); readers such as status, sql and gap work as they are"
	case errors.Is(err, context.Canceled):
		return "stopped; the store is as it was before this command (an unfinished load is recorded as failed)"
	case errors.Is(err, kolada.ErrUnreachable):
		return "check the network and any proxy (HTTPS_PROXY), or point NYCKELTAL_KOLADA_URL (or kolada.base_url) at a reachable server; " +
			"`nyckeltal ingest kolada --from-archive DIR` loads an archive without network"
	case errors.Is(err, kolada.ErrUnavailable):
		return "Kolada was reached but kept failing; try again later (the store is unchanged)"
	case errors.Is(err, kolada.ErrNotAsProbed):
		return "Kolada answers otherwise than its latest probe found; `nyckeltal kolada probe` shows how it answers now " +
			"(`nyckeltal run` probes again by itself after such a failure); then load again. The store is unchanged"
	case errors.Is(err, kolada.ErrUnknownGroup):
		return "a group id of kolada.municipalities or --municipality is not a Kolada group, or has no members; list the stored " +
			"groups with: nyckeltal sql \"SELECT group_id, title FROM municipality_group ORDER BY title\""
	case kolada.Status(err) == http.StatusGone:
		return "Kolada answered 410 Gone: that API version is shut down; kolada.base_url (or NYCKELTAL_KOLADA_URL) must be " +
			"the v3 API, " + config.DefaultKoladaURL
	case errors.Is(err, kolada.ErrRejected), errors.Is(err, kolada.ErrInvalidPage):
		return "Kolada refused a request or sent an answer this nyckeltal does not read (the error names the URL); " +
			"`nyckeltal kolada probe` shows how Kolada answers now, docs/KOLADA-API.md what each answer means. The store is unchanged"
	case errors.Is(err, store.ErrNoStore):
		return "there is no store yet: run `nyckeltal ingest kolada` (or `make run`) first, or point --db at an existing file"
	case errors.Is(err, store.ErrStoreBusy):
		return "another nyckeltal is writing the store (named above); wait for it to finish, `nyckeltal status` shows it. " +
			"Readers never block writers; a DuckDB client holding the file read-write does (close it)"
	case errors.Is(err, store.ErrPublishBlocked):
		return "a program still has the store open (DBeaver, duckdb, Excel/ODBC …) and Windows does not let a file in use be replaced: " +
			"close it; the finished result waits beside the store and the next writing command publishes it"
	case errors.Is(err, config.ErrInvalid):
		return "see nyckeltal.example.toml for every key with its meaning; `nyckeltal config show` prints what is in effect"
	case errors.Is(err, personnummer.ErrNoKey):
		return "personal data is only loaded with a pseudonym key kept outside the database: create one with " +
			"`nyckeltal key generate /secure/place/pseudonym.key` " +
			"and set NYCKELTAL_PSEUDONYM_KEY_FILE (or local.pseudonym_key_file) to it; keep the same key for every load"
	case errors.Is(err, personnummer.ErrBadKey):
		return "the key must be at least 32 bytes of real variety, in a file only its owner can read (chmod 600): " +
			"`nyckeltal key generate FILE` writes one. A new key gives every person a new pseudonym, so keep the old one " +
			"while earlier loads are in use (docs/SECURITY.md)"
	case errors.Is(err, personnummer.ErrKeyExists):
		return "give a file name that does not exist yet; an existing key is never replaced by nyckeltal"
	case errors.Is(err, ErrFilesRefused), errors.Is(err, ownfiles.ErrRefused):
		return "correct the file(s) as the problems above say and load again, or load the good rows with --skip-bad-rows " +
			"(the bad ones go to a quarantine CSV); `--dry-run` checks a file without loading it"
	case errors.As(err, new(*nka.NoYearError)) && len(noYear(err).Years) > 0:
		return "choose one of the years the store has (named above) with --year or --base-year; kolada.years in the " +
			"configuration fetches more years at the next `nyckeltal ingest kolada`"
	case errors.Is(err, nka.ErrNoData):
		return "fetch the NKA key figures and peer groups first: `nyckeltal ingest kolada` (kolada.groups = \"all\", kolada.municipalities = [\"all\"])"
	case errors.Is(err, atgardsplan.ErrInvalid):
		return "the plan is a CSV: löpnr;åtgärd;år;belopp_tkr, or löpnr;åtgärd;2024;2025;…;totalt; see data/samples/atgardsplan-2024-2026.csv"
	case errors.Is(err, catalog.ErrInvalid):
		return "see `nyckeltal catalog example` for the keys and their meaning; `nyckeltal catalog show --catalog FILE` checks a file"
	case errors.Is(err, tables.ErrNoData):
		return "load data first: `nyckeltal ingest kolada` (and `nyckeltal ingest inbox` for the municipality's own files)"
	case errors.Is(err, store.ErrQueryRefused):
		return "nyckeltal sql reads the store and nothing else: one SELECT (or EXPLAIN) at a time, no files, no settings, " +
			"no changes. For files, use `nyckeltal export parquet --out DIR`; for more, open the store read-only in a DuckDB " +
			"client of your own (docs/SECURITY.md says how)"
	case errors.Is(err, outpath.ErrProtected):
		return "--out never names the store, the pseudonym key or the configuration: give another file or directory"
	case errors.Is(err, outpath.ErrNotOurs):
		return "nyckeltal replaces only files it wrote itself and that nobody changed since (it keeps their SHA-256 in " +
			".nyckeltal-outputs.json beside them): give a new file name, remove the file, or add --force to replace it " +
			"(for tables.out_dir of the nightly run: move the file away)"
	case errors.Is(err, store.ErrExportTarget):
		return "export into a new or empty directory, or into an earlier export (which is replaced)"
	case errors.Is(err, app.ErrNoInputFile):
		return "check the file's path (relative to the working directory); `nyckeltal ingest inbox` loads every file put in data/inbox/ instead"
	case errors.Is(err, nka.ErrUnknownMunicipality):
		return "give --municipality as a four-digit id or a name as Kolada writes it (case and accents do not matter), or set " +
			"home_municipality in the configuration; list them with: nyckeltal sql \"SELECT municipality_id, title FROM municipality ORDER BY title\""
	case errors.Is(err, nka.ErrBadYears):
		return "the base year needs values in the store (the error lists the years it has; kolada.years fetches more), the start " +
			"year comes after it and the target year after the start year; see `nyckeltal sparbeting --help`"
	case errors.Is(err, nka.ErrBadProfile):
		return "--profile is even, front, or weights per budget year like 50,30,20 (see `nyckeltal sparbeting --help`)"
	case errors.Is(err, nka.ErrUnknownArea):
		return "an area is a slug like aldreomsorg, ifo, lss, forskola, fritidshem, grundskola, gymnasieskola or overgripande " +
			"([nka.areas] adds more); --explain names one of the sparbeting's --areas"
	case errors.Is(err, nka.ErrInvalidGroup):
		return "a comparison group of your own is [nka.groups.NAME] with members (ids or names) or years, or lines grupp;år;kommun " +
			"of nka.groups_file; every member must be a municipality of the store (see README, Comparison groups of your own)"
	case errors.Is(err, nka.ErrBadTarget):
		return "--target is mean, median, p25 (a percentile) or share:0.5; --peer-trend is hold or linear:3 (see `nyckeltal sparbeting --help`)"
	case errors.Is(err, nka.ErrBadComparator):
		return "--comparator is mean, median, liknande, liknande:2022, lan, riket, a Kolada group id or a group of your own ([nka.groups])"
	case errors.Is(err, nka.ErrUnknownGroup):
		return "list the peer groups with: nyckeltal sql \"SELECT DISTINCT group_id, group_title, area, municipality FROM v_peer_group ORDER BY 2\""
	}
	// Every error says what to do: what is not named above, by its kind.
	switch ExitCode(err) {
	case ExitUsage:
		return "see `nyckeltal --help` or `nyckeltal COMMAND --help`"
	case ExitData:
		return "the message above says what could not be used; `nyckeltal status` shows what the store holds and its latest loads"
	case ExitNetwork:
		return "check the network and Kolada's status, then run again; the store is unchanged"
	case ExitBusy:
		return "wait for the other nyckeltal to finish (`nyckeltal status` names it), then run again"
	case ExitFailure:
		return "an unexpected error: run again with --log-level debug; if it stays, report it with the lines above " +
			"(docs/OPERATIONS.md says what to check first)"
	}
	return ""
}

// noYear is the NoYearError in err (hint checks that there is one).
func noYear(err error) *nka.NoYearError {
	var e *nka.NoYearError
	errors.As(err, &e)
	return e
}
