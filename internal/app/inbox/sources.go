package inbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/indicators"
	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/connectors/treserva"
	"github.com/nyckeltal/nyckeltal/connectors/webfocus"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Inbox directory names, one per source.
const (
	DirWebFOCUS   = "webfocus"
	DirTreserva   = "treserva"
	DirIndicators = "indikatorer"
)

// Dirs are the inbox directories in the order they are processed.
var Dirs = []string{DirWebFOCUS, DirTreserva, DirIndicators}

// SourceOptions are what the command line may add to the configuration.
type SourceOptions struct {
	// WebFOCUS: the period of files without one, a layout for files without
	// a heading row, and the text encoding (default: detected).
	Period, Layout, Encoding string
	// Treserva: the extract date and the years to compute.
	AsOf  time.Time
	Years string
	// KeyWarning receives a warning about the pseudonym key file (its
	// permissions, when AllowReadableKey accepted it), once.
	KeyWarning func(string)
	// AllowReadableKey accepts a key file that others than its owner can
	// read (--allow-readable-key), with a warning.
	AllowReadableKey bool
}

// Sources are the parsers of the three local sources.
type Sources struct {
	WebFOCUS   ownfiles.Parser
	Treserva   ownfiles.Parser
	Indicators ownfiles.Parser
}

// ForDir is the parser of an inbox directory.
func (s *Sources) ForDir(dir string) ownfiles.Parser {
	switch dir {
	case DirWebFOCUS:
		return s.WebFOCUS
	case DirTreserva:
		return s.Treserva
	case DirIndicators:
		return s.Indicators
	}
	return nil
}

// NewSources builds the parsers from the configuration. The pseudonym key is
// read only when a Treserva file is parsed, so that a machine without one
// still loads the other files.
func NewSources(cfg *config.Config, o SourceOptions) (*Sources, error) {
	l := cfg.Local
	regi := ownfiles.RegiAliases{Egen: l.Regi.Egen, Privat: l.Regi.Privat, Alla: ownfiles.DefaultRegiAliases.Alla}
	interim := time.Month(l.InterimEndMonth)
	inText, err := ownfiles.ParseTextPolicy(l.PersonnummerInText)
	if err != nil {
		return nil, fmt.Errorf("local.personnummer_in_text %w", err)
	}
	lim := Limits(l.Limits)
	wf, err := webfocus.New(webfocus.Options{Home: cfg.HomeMunicipality, MunicipalityUnits: l.MunicipalityUnits,
		Config: l.WebFOCUS, Regi: regi, InterimEnd: interim, Period: o.Period, Layout: o.Layout, Encoding: o.Encoding,
		PersonnummerInText: inText, Limits: lim})
	if err != nil {
		return nil, err
	}
	ind, err := indicators.New(indicators.Options{Home: cfg.HomeMunicipality, MunicipalityUnits: l.MunicipalityUnits,
		Regi: regi, InterimEnd: interim, PersonnummerInText: inText, Limits: lim})
	if err != nil {
		return nil, err
	}
	topts := treserva.Options{Home: cfg.HomeMunicipality, Config: l.Treserva, Regi: regi, InterimEnd: interim,
		AsOf: o.AsOf, Years: o.Years, PersonnummerInText: inText, Limits: lim}
	if _, err := treserva.New(topts); err != nil {
		return nil, err
	}
	return &Sources{WebFOCUS: wf, Indicators: ind,
		Treserva: &keyedTreserva{opts: topts, keyFile: l.PseudonymKeyFile, warn: o.KeyWarning,
			keyOpts: personnummer.KeyOptions{AllowReadable: o.AllowReadableKey}}}, nil
}

// keyedTreserva loads the pseudonym key on first use.
type keyedTreserva struct {
	opts    treserva.Options
	keyFile string
	keyOpts personnummer.KeyOptions
	warn    func(string)

	once   sync.Once
	parser *treserva.Parser
	err    error
}

func (k *keyedTreserva) Source() string { return treserva.Source }

func (k *keyedTreserva) ParseFrom(ctx context.Context, name string, in tabular.Input) (*ownfiles.Parsed, error) {
	k.once.Do(func() {
		key, err := personnummer.LoadKey(k.keyFile, k.keyOpts)
		if err != nil {
			k.err = err
			return
		}
		if key.Warning != "" && k.warn != nil {
			k.warn(key.Warning)
		}
		o := k.opts
		o.Key = key
		k.parser, k.err = treserva.New(o)
	})
	if k.err != nil {
		return nil, fmt.Errorf("reading %s: it holds personnummer: %w", name, k.err)
	}
	return k.parser.ParseFrom(ctx, name, in)
}

// Limits are the tabular limits of the configuration (local.limits).
func Limits(l config.LocalLimits) tabular.Limits {
	return tabular.Limits{MaxBytes: l.MaxFileMB << 20, MaxRows: l.MaxRows, MaxCells: l.MaxCells, MaxColumns: l.MaxColumns,
		MaxRowBytes: l.MaxRowKB << 10, MaxSharedStrings: l.MaxSharedStrings, MaxUnpackedBytes: l.MaxUnpackedMB << 20,
		MaxNesting: l.MaxNesting}
}
