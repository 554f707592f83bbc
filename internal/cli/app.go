// Package cli is nyckeltal's command line, on cobra: each command is an
// options struct filled from its flags (newXCmd) and a run function
// (runX(ctx, opts, f)) that calls a use case of internal/app and renders what
// it returns, so the logic is testable without cobra. Every command runs
// through App, whose surroundings (streams, environment, clock) are
// injected, so tests run commands in-process. Exit codes are mapped in one
// place (exitcode.go).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/config"
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
	proc := &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now,
		IsTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		}}
	return proc.Run(ctx, args)
}

// factory is what every command gets: the process's surroundings, the
// global options, and once they are parsed (PersistentPreRunE) the
// application whose use cases the commands call. Each command is an options
// struct that newXCmd fills from its flags, and a runX(ctx, opts, f) that
// calls the application and renders what it returns.
type factory struct {
	io        *App
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
	// allowReadableKey is --allow-readable-key of the commands that load
	// Treserva extracts.
	allowReadableKey bool
	// forceOut is --force of the commands with --out: replace a file that
	// nyckeltal did not write.
	forceOut bool
	// command is the command path without the program's name ("ingest
	// kolada"), once the flags are parsed.
	command string
	// saidCreate is set once a command said it creates the store's directory.
	saidCreate bool
	// app is the application, built once the flags are parsed.
	app *app.App
	// stdout and stderr are the process's streams, keeping their first
	// write error (see output).
	stdout, stderr *output
}

const forceOutHelp = "replace an existing --out file that nyckeltal did not write (never the store, the key or the configuration)"

// allowReadableKeyFlag adds --allow-readable-key to a command that may read
// the pseudonym key.
func (f *factory) allowReadableKeyFlag(cmd *cobra.Command, persistent bool) {
	fl := cmd.Flags()
	if persistent {
		fl = cmd.PersistentFlags()
	}
	fl.BoolVar(&f.allowReadableKey, "allow-readable-key", false,
		"accept a pseudonym key file that others than its owner can read (with a warning); without it such a key is refused")
}

// newApp builds the application from the global options; command is the
// command path, for the write lock's holder file.
func (f *factory) newApp(command string) *app.App {
	return &app.App{Config: f.config, DBPath: f.dbPath, Log: f.log, Now: f.io.Now, Command: command,
		AllowReadableKey: f.allowReadableKey, ForceOut: f.forceOut,
		Progress: func() app.Progress { return newProgress(f) },
		Describe: func(err error) (int, string) { return ExitCode(err), hint(err) }}
}

// Run executes args and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	f := &factory{io: a, log: zerolog.Nop(), stdout: &output{w: a.Stdout}, stderr: &output{w: a.Stderr}}
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(a.Stdin)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = f.stdout.Err()
	}
	if err != nil && !f.started {
		f.setupLoggingFromArgs(args)
		var usage *UsageError
		if !errors.As(err, &usage) && !errors.Is(err, config.ErrInvalid) {
			err = &UsageError{Err: err}
		}
	}
	code := ExitCode(err)
	if err != nil {
		f.report(err)
	}
	return code
}

// report tells the operator what went wrong, once: as a JSON log line for
// cron and monitoring, or as plain lines on a terminal.
func (f *factory) report(err error) {
	h := hint(err)
	if f.logJSON {
		ev := f.log.Error().Err(err).Int("exit_code", ExitCode(err))
		if h != "" {
			ev = ev.Str("hint", h)
		}
		ev.Msg("command failed")
		return
	}
	fmt.Fprintf(f.stderr, "nyckeltal: %v\n", err)
	if h != "" {
		fmt.Fprintf(f.stderr, "hint: %s\n", h)
	}
}

func newRootCmd(f *factory) *cobra.Command {
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
			if err := f.setupLogging(); err != nil {
				return err
			}
			f.command = strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
			f.app = f.newApp(f.command)
			f.started = true
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&f.dbFlag, "db", "", "the DuckDB store (default: $NYCKELTAL_DB, else store.path of the config, data/nyckeltal.duckdb)")
	pf.StringVar(&f.cfgFile, "config", "", "configuration file (default: $NYCKELTAL_CONFIG, else ./nyckeltal.toml if present, else built-in defaults)")
	pf.StringVar(&f.logFormat, "log-format", "auto", "auto (readable on a terminal, JSON otherwise), json or console")
	pf.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")

	root.AddCommand(
		newIngestCmd(f),
		newKoladaCmd(f),
		newKPICmd(f),
		newStatusCmd(f),
		newSQLCmd(f),
		newMigrateCmd(f),
		newConfigCmd(f),
		newRunCmd(f),
		newScheduleCmd(f),
		newGapCmd(f),
		newSparbetingCmd(f),
		newTablesCmd(f),
		newReportCmd(f),
		newCatalogCmd(f),
		newExportCmd(f),
		newKeyCmd(f),
	)
	requireSubcommands(root)
	return root
}

// requireSubcommands makes every command group refuse what is not one of
// its subcommands: without it cobra prints a group's help and exits 0, so
// that "nyckeltal ingest kolda" in a crontab would succeed every night and
// load nothing. An unknown name is a usage error (exit 2) with cobra's
// suggestions ("did you mean kolada?"); a group without a subcommand names
// them.
func requireSubcommands(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	for _, sub := range c.Commands() {
		requireSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	// The root too: cobra's own error for "nyckeltal foo" comes before the
	// flags are parsed, so --log-format json would not hold for it.
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if len(args) == 0 {
			if !cmd.HasParent() {
				return cmd.Help() // a bare "nyckeltal" asks what it can do
			}
			return usageErrorf("%s needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		} else {
			msg += "; its subcommands are " + strings.Join(names, ", ")
		}
		return usageErrorf("%s", msg)
	}
}

// checkDBDir refuses a --db in a directory that does not exist (a typo in
// the path would otherwise make a new, empty store there), except for
// migrate and run, which create a store and say that they create its
// directory.
func (f *factory) checkDBDir(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if f.command == "migrate" || f.command == "run" {
		if !f.saidCreate {
			f.saidCreate = true
			fmt.Fprintf(f.stderr, "nyckeltal: the directory %s does not exist; %s creates it for the store\n", dir, f.command)
		}
		return nil
	}
	return usageErrorf("--db %s: the directory %s does not exist; give the path of an existing store, or create a new "+
		"store there with `nyckeltal migrate --db %s` (or `nyckeltal run`)", path, dir, path)
}

func (f *factory) setupLogging() error {
	level, err := zerolog.ParseLevel(f.logLevel)
	if err != nil || f.logLevel == "" {
		return usageErrorf("--log-level %q: use debug, info, warn or error", f.logLevel)
	}
	switch f.logFormat {
	case "json":
		f.logJSON = true
	case "console":
		f.logJSON = false
	case "auto":
		f.logJSON = !f.io.IsTerminal(f.io.Stderr)
	default:
		return usageErrorf("--log-format %q: use auto, json or console", f.logFormat)
	}
	var w io.Writer = f.io.Stderr
	if !f.logJSON {
		w = zerolog.ConsoleWriter{Out: f.io.Stderr, TimeFormat: "15:04:05", NoColor: !f.io.IsTerminal(f.io.Stderr)}
	}
	f.log = zerolog.New(w).Level(level).With().Timestamp().Logger()
	return nil
}

// setupLoggingFromArgs sets up logging when cobra failed before
// PersistentPreRunE (a flag it cannot parse), so that the error is reported
// as --log-format asks: a JSON line for cron, not plain text. Only the two
// logging flags are read; the rest of args was wrong already.
func (f *factory) setupLoggingFromArgs(args []string) {
	if f.logFormat == "" {
		f.logFormat, f.logLevel = "auto", "info" // the flags were never registered
	}
	flags := pflag.NewFlagSet("logging", pflag.ContinueOnError)
	flags.ParseErrorsAllowlist.UnknownFlags = true
	flags.SetOutput(io.Discard)
	flags.StringVar(&f.logFormat, "log-format", f.logFormat, "")
	flags.StringVar(&f.logLevel, "log-level", f.logLevel, "")
	_ = flags.Parse(args) // what it cannot read keeps the default
	if f.setupLogging() != nil {
		f.logFormat, f.logLevel = "auto", "info"
		_ = f.setupLogging()
	}
}

// interactive is true when progress can be drawn: a terminal, not JSON logs.
func (f *factory) interactive() bool { return !f.logJSON && f.io.IsTerminal(f.io.Stderr) }

// config loads the configuration once.
func (f *factory) config() (*config.Config, error) {
	if f.cfg != nil {
		return f.cfg, nil
	}
	c, err := config.Load(f.cfgFile, f.io.Getenv)
	if err != nil {
		return nil, err
	}
	f.cfg = &c
	return f.cfg, nil
}

// dbPath resolves the store path: --db, $NYCKELTAL_DB, then the config.
func (f *factory) dbPath() (string, error) {
	if f.dbFlag != "" {
		return f.dbFlag, f.checkDBDir(f.dbFlag)
	}
	if p := f.io.Getenv("NYCKELTAL_DB"); p != "" {
		return p, nil
	}
	c, err := f.config()
	if err != nil {
		return "", err
	}
	return c.Store.Path, nil
}
