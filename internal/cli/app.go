// Package cli wires nyckeltal's commands. Every command runs through App,
// whose surroundings (streams, environment, clock) are injected, so tests run
// commands in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/inbox"
	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/version"
)

// App is the program with its surroundings.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// IsTerminal reports whether w is an interactive terminal.
	IsTerminal func(w io.Writer) bool
}

// Main runs the program in this process: os streams, environment and
// signals; it returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now,
		IsTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		}}
	return app.Run(ctx, args)
}

// env is what every command gets: the resolved global options.
type env struct {
	app       *App
	cfgFile   string
	dbFlag    string
	logFormat string
	logLevel  string

	cfg     *config.Config
	log     zerolog.Logger
	logJSON bool
	// started is set once a command's own code runs; errors before it are
	// command-line errors.
	started bool
	// command is the command path without "nyckeltal", for the write lock's
	// holder file.
	command string
	// allowReadableKey is --allow-readable-key of the commands that load
	// Treserva extracts.
	allowReadableKey bool
	// forceOut is --force of the commands with --out: replace a file that
	// nyckeltal did not write.
	forceOut bool
}

const forceOutHelp = "replace an existing --out file that nyckeltal did not write (never the store, the key or the configuration)"

// outputGuard checks --out paths: never the store, the key or the
// configuration; an existing file only when nyckeltal wrote it (or --force).
func (e *env) outputGuard() (outpath.Guard, error) {
	g := outpath.Guard{Force: e.forceOut}
	var err error
	if g.Store, err = e.dbPath(); err != nil {
		return g, err
	}
	c, err := e.config()
	if err != nil {
		return g, err
	}
	g.Key, g.Config = c.Local.PseudonymKeyFile, c.File
	return g, nil
}

// allowReadableKeyFlag adds --allow-readable-key to a command that may read
// the pseudonym key.
func (e *env) allowReadableKeyFlag(cmd *cobra.Command, persistent bool) {
	fl := cmd.Flags()
	if persistent {
		fl = cmd.PersistentFlags()
	}
	fl.BoolVar(&e.allowReadableKey, "allow-readable-key", false,
		"accept a pseudonym key file that others than its owner can read (with a warning); without it such a key is refused")
}

// sourceOptions are the inbox.SourceOptions every command starts from.
func (e *env) sourceOptions() inbox.SourceOptions {
	return inbox.SourceOptions{KeyWarning: func(w string) { e.log.Warn().Msg(w) }, AllowReadableKey: e.allowReadableKey}
}

// Run executes args and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	e := &env{app: a, log: zerolog.Nop()}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(a.Stdin)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && !e.started {
		var usage *UsageError
		if !errors.As(err, &usage) && !errors.Is(err, config.ErrInvalid) {
			err = &UsageError{Err: err}
		}
	}
	code := ExitCode(err)
	if err != nil {
		e.report(err)
	}
	return code
}

// report tells the operator what went wrong, once: as a JSON log line for
// cron and monitoring, or as plain lines on a terminal.
func (e *env) report(err error) {
	h := hint(err, e)
	if e.logJSON {
		ev := e.log.Error().Err(err).Int("exit_code", ExitCode(err))
		if h != "" {
			ev = ev.Str("hint", h)
		}
		ev.Msg("command failed")
		return
	}
	fmt.Fprintf(e.app.Stderr, "nyckeltal: %v\n", err)
	if h != "" {
		fmt.Fprintf(e.app.Stderr, "hint: %s\n", h)
	}
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "nyckeltal",
		Short: "Kolada key figures and local indicators in one DuckDB file",
		Long: `nyckeltal fetches Kolada key figures (nettokostnadsavvikelse, liknande kommuner,
brukarbedömningar …) into one DuckDB file, with every value's history and the
load that wrote it, so that analysts can query it with SQL and controllers can
compare costs with similar municipalities.

Start with:
  nyckeltal ingest kolada          fetch the configured Kolada set (incremental after the first run)
  nyckeltal run                    the nightly run: every configured job, then publish
  nyckeltal ingest inbox           load WebFOCUS, Treserva and indicator files from data/inbox/
  nyckeltal status                 what the store holds and how fresh it is
  nyckeltal sql "SELECT …"         query the store read-only
  nyckeltal gap                    nettokostnadsavvikelse against liknande kommuner
  nyckeltal sparbeting             the sparbeting that gap sizes, with its glide path
  nyckeltal tables --out DIR       the uppdragsplan's indicator tables (CSV, XLSX, Markdown, HTML)
  nyckeltal report --out FILE      one HTML report: sparbeting, NKA charts, kostnad och kvalitet, tables
  nyckeltal export parquet         the store as Parquet for other tools
  nyckeltal kolada probe           how Kolada's API answers where that is not documented

Configuration: nyckeltal.toml in the working directory, --config FILE or
$NYCKELTAL_CONFIG; without one, the defaults of nyckeltal.example.toml apply
(print them with ` + "`nyckeltal config example`" + `).`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := e.setupLogging(); err != nil {
				return err
			}
			e.command = strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
			e.started = true
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&e.dbFlag, "db", "", "the DuckDB store (default: $NYCKELTAL_DB, else store.path of the config, data/nyckeltal.duckdb)")
	pf.StringVar(&e.cfgFile, "config", "", "configuration file (default: $NYCKELTAL_CONFIG, else ./nyckeltal.toml if present, else built-in defaults)")
	pf.StringVar(&e.logFormat, "log-format", "auto", "auto (readable on a terminal, JSON otherwise), json or console")
	pf.StringVar(&e.logLevel, "log-level", "info", "debug, info, warn or error")

	root.AddCommand(
		newIngestCmd(e),
		newKoladaCmd(e),
		newKPICmd(e),
		newStatusCmd(e),
		newSQLCmd(e),
		newMigrateCmd(e),
		newConfigCmd(e),
		newRunCmd(e),
		newScheduleCmd(e),
		newGapCmd(e),
		newSparbetingCmd(e),
		newTablesCmd(e),
		newReportCmd(e),
		newCatalogCmd(e),
		newExportCmd(e),
		newKeyCmd(e),
	)
	return root
}

func (e *env) setupLogging() error {
	level, err := zerolog.ParseLevel(e.logLevel)
	if err != nil || e.logLevel == "" {
		return usageErrorf("--log-level %q: use debug, info, warn or error", e.logLevel)
	}
	switch e.logFormat {
	case "json":
		e.logJSON = true
	case "console":
		e.logJSON = false
	case "auto":
		e.logJSON = !e.app.IsTerminal(e.app.Stderr)
	default:
		return usageErrorf("--log-format %q: use auto, json or console", e.logFormat)
	}
	var w io.Writer = e.app.Stderr
	if !e.logJSON {
		w = zerolog.ConsoleWriter{Out: e.app.Stderr, TimeFormat: "15:04:05", NoColor: !e.app.IsTerminal(e.app.Stderr)}
	}
	e.log = zerolog.New(w).Level(level).With().Timestamp().Logger()
	return nil
}

// interactive is true when progress can be drawn: a terminal, not JSON logs.
func (e *env) interactive() bool { return !e.logJSON && e.app.IsTerminal(e.app.Stderr) }

// config loads the configuration once.
func (e *env) config() (*config.Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	c, err := config.Load(e.cfgFile, e.app.Getenv)
	if err != nil {
		return nil, err
	}
	e.cfg = &c
	return e.cfg, nil
}

// dbPath resolves the store path: --db, $NYCKELTAL_DB, then the config.
func (e *env) dbPath() (string, error) {
	if e.dbFlag != "" {
		return e.dbFlag, nil
	}
	if p := e.app.Getenv("NYCKELTAL_DB"); p != "" {
		return p, nil
	}
	c, err := e.config()
	if err != nil {
		return "", err
	}
	return c.Store.Path, nil
}

// openReader opens the store read-only, with DuckDB's file access off;
// readers never block writers.
func (e *env) openReader(ctx context.Context) (*store.Store, error) {
	p, err := e.dbPath()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, p, store.ReadOnly)
}

// withWriter runs fn with the store open for writing, and publishes the
// result. Every command that writes goes through here (or withUpdate), so
// that how a writer gets the store and how its work becomes visible to
// readers is decided in one place: fn writes a working copy under the write
// lock, and the published file is replaced atomically when it returns (see
// internal/store/update.go and docs/OPERATIONS.md).
func (e *env) withWriter(ctx context.Context, fn func(*store.Store) error) error {
	return e.withUpdate(ctx, "", func(u *store.Update) error { return fn(u.Store()) })
}

// withUpdate is withWriter for runs, which name their jobs in the lock
// holder file as they go.
func (e *env) withUpdate(ctx context.Context, runID string, fn func(*store.Update) error) error {
	p, err := e.dbPath()
	if err != nil {
		return err
	}
	c, err := e.config()
	if err != nil {
		return err
	}
	opts := store.UpdateOptions{Command: e.command, RunID: runID, Now: e.app.Now, MemoryLimit: c.Store.MemoryLimit}
	return store.UpdateStore(ctx, p, opts, func(u *store.Update) error {
		if h := u.Stale(); h != nil {
			e.log.Warn().Str("holder", h.String()).
				Msg("took over the write lock of a writer that ended without finishing; its unpublished work was discarded")
		}
		if err := e.syncNKAAreas(ctx, u.Store()); err != nil {
			return err
		}
		return fn(u)
	})
}

// homeMunicipality is --municipality when given, else the config's.
func (e *env) homeMunicipality(flag string) (string, error) {
	if flag = strings.TrimSpace(flag); flag != "" {
		return flag, nil
	}
	c, err := e.config()
	if err != nil {
		return "", err
	}
	return c.HomeMunicipality, nil
}
