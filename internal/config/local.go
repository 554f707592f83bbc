package config

import (
	"fmt"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"

	"github.com/nyckeltal/nyckeltal/connectors/treserva"
	"github.com/nyckeltal/nyckeltal/connectors/webfocus"
)

// LocalConfig is [local]: the municipality's own files — WebFOCUS reports,
// Treserva extracts and long indicator files — and the inbox they arrive in.
type LocalConfig struct {
	// PseudonymKeyFile holds the key of the personnummer pseudonyms, outside
	// the database. $NYCKELTAL_PSEUDONYM_KEY_FILE overrides it.
	PseudonymKeyFile string `toml:"pseudonym_key_file"`
	// PersonnummerInText says what a personnummer or samordningsnummer in a
	// text field of a local file (outside Treserva's personnummer column)
	// does: "refuse" the file, naming line and column, or "mask" the field.
	PersonnummerInText string `toml:"personnummer_in_text"`
	// InboxDir has one directory per source: webfocus/, treserva/, indikatorer/.
	InboxDir    string `toml:"inbox_dir"`
	ArchiveDir  string `toml:"archive_dir"`
	RejectedDir string `toml:"rejected_dir"`
	// InboxSettle is how long an inbox file must have been left alone (its
	// size, modification and change times) before it is loaded: a file
	// still being copied is left for the next run.
	InboxSettle Duration `toml:"inbox_settle"`
	// InterimEndMonth is the last month of the delår (8: January–August).
	InterimEndMonth int `toml:"interim_end_month"`
	// MunicipalityUnits are enhet values that mean the whole municipality;
	// rows without an enhet mean it too.
	MunicipalityUnits []string `toml:"municipality_units"`

	Regi     LocalRegiConfig   `toml:"regi"`
	Limits   LocalLimits       `toml:"limits"`
	WebFOCUS webfocus.Settings `toml:"webfocus"`
	Treserva treserva.Settings `toml:"treserva"`
}

// LocalLimits bound the work one local file may cause; a file beyond a
// limit is refused with its reason, quickly and before the store is locked.
type LocalLimits struct {
	MaxFileMB        int64 `toml:"max_file_mb"`        // the largest file read
	MaxRows          int   `toml:"max_rows"`           // rows of a table
	MaxCells         int64 `toml:"max_cells"`          // cells of a table, all rows together
	MaxColumns       int   `toml:"max_columns"`        // cells of one row
	MaxRowKB         int   `toml:"max_row_kb"`         // one row of text, one cell, one HTML or XML token
	MaxSharedStrings int   `toml:"max_shared_strings"` // shared strings of an XLSX workbook
	MaxUnpackedMB    int64 `toml:"max_unpacked_mb"`    // what an XLSX workbook unpacks to
	MaxNesting       int   `toml:"max_nesting"`        // nested HTML tables, nested XML elements
}

// LocalRegiConfig lists how files write egen regi and privat utförare.
type LocalRegiConfig struct {
	Egen   []string `toml:"egen"`
	Privat []string `toml:"privat"`
}

// DefaultLocal is the [local] section's defaults.
func DefaultLocal() LocalConfig {
	return LocalConfig{
		PersonnummerInText: "refuse",
		InboxDir:           "data/inbox",
		ArchiveDir:         "data/archive",
		RejectedDir:        "data/rejected",
		InboxSettle:        Duration{60 * time.Second},
		InterimEndMonth:    8,
		MunicipalityUnits:  ownfiles.DefaultMunicipalityUnits(),
		Limits: LocalLimits{MaxFileMB: 2048, MaxRows: 20_000_000, MaxCells: 400_000_000, MaxColumns: 16_384,
			MaxRowKB: 1024, MaxSharedStrings: 2_000_000, MaxUnpackedMB: 2048, MaxNesting: 64},
		Regi:     LocalRegiConfig{Egen: ownfiles.DefaultConfiguredRegi().Egen, Privat: ownfiles.DefaultConfiguredRegi().Privat},
		WebFOCUS: webfocus.DefaultSettings(),
		Treserva: treserva.DefaultSettings(),
	}
}

func (c *LocalConfig) validate() []string {
	var errs []string
	if c.InterimEndMonth < 2 || c.InterimEndMonth > 11 {
		errs = append(errs, fmt.Sprintf("local.interim_end_month %d must be a month from 2 to 11 (8: the delår runs January–August)", c.InterimEndMonth))
	}
	if p := c.PersonnummerInText; p != "refuse" && p != "mask" {
		errs = append(errs, fmt.Sprintf("local.personnummer_in_text %q: use \"refuse\" or \"mask\"", p))
	}
	if c.InboxSettle.Duration < 0 {
		errs = append(errs, "local.inbox_settle must not be negative")
	}
	lim := c.Limits
	for name, v := range map[string]int64{"max_file_mb": lim.MaxFileMB, "max_rows": int64(lim.MaxRows), "max_cells": lim.MaxCells,
		"max_columns": int64(lim.MaxColumns), "max_row_kb": int64(lim.MaxRowKB), "max_shared_strings": int64(lim.MaxSharedStrings),
		"max_unpacked_mb": lim.MaxUnpackedMB, "max_nesting": int64(lim.MaxNesting)} {
		if v <= 0 {
			errs = append(errs, fmt.Sprintf("local.limits.%s must be positive", name))
		}
	}
	for name, dir := range map[string]string{"inbox_dir": c.InboxDir, "archive_dir": c.ArchiveDir, "rejected_dir": c.RejectedDir} {
		if dir == "" {
			errs = append(errs, "local."+name+" is empty")
		}
	}
	errs = append(errs, c.WebFOCUS.Problems()...)
	errs = append(errs, c.Treserva.Problems()...)
	return errs
}
