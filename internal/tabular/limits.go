package tabular

import "fmt"

// Limits bound the work one file may cause, so that a damaged or hostile
// file is refused quickly with a reason instead of filling memory, disk or
// the night. A zero field takes its default (DefaultLimits).
type Limits struct {
	// MaxBytes is the largest file read.
	MaxBytes int64
	// MaxRows is the most rows of a table.
	MaxRows int
	// MaxCells is the most cells of a table, all rows together (merged
	// cells that are filled in count too).
	MaxCells int64
	// MaxColumns is the most cells of one row.
	MaxColumns int
	// MaxRowBytes is the longest row of text (and the longest token of
	// HTML or XML).
	MaxRowBytes int
	// MaxSharedStrings is the most shared strings of a workbook.
	MaxSharedStrings int
	// MaxUnpackedBytes is the most a workbook may unpack to, all its parts
	// together.
	MaxUnpackedBytes int64
	// MaxNesting is the deepest nesting of HTML tables, or of XML elements
	// in a workbook part.
	MaxNesting int
}

// DefaultLimits are generous for real exports — a 500 MB Treserva extract,
// a WebFOCUS report of a million rows — and small enough that no file can
// take more than a minute or two of work.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:         2 << 30,
		MaxRows:          20_000_000,
		MaxCells:         400_000_000,
		MaxColumns:       16_384, // Excel's own limit
		MaxRowBytes:      1 << 20,
		MaxSharedStrings: 2_000_000,
		MaxUnpackedBytes: 2 << 30,
		MaxNesting:       64,
	}
}

// WithDefaults fills the zero fields of l with the defaults.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCells <= 0 {
		l.MaxCells = d.MaxCells
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	if l.MaxRowBytes <= 0 {
		l.MaxRowBytes = d.MaxRowBytes
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = d.MaxSharedStrings
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = d.MaxUnpackedBytes
	}
	if l.MaxNesting <= 0 {
		l.MaxNesting = d.MaxNesting
	}
	return l
}

// limitError is the refusal of a file that goes beyond a limit: what, how
// much, and the configuration key that raises it.
func limitError(line, col int, what string, limit any, key string) error {
	return unreadable(line, col, "%s (gränsen är %v, local.limits.%s): filen är skadad eller inget vanligt uttag; "+
		"är den äkta, höj gränsen i konfigurationen", what, formatLimit(limit), key)
}

func formatLimit(v any) string {
	switch n := v.(type) {
	case int:
		return groupDigits(int64(n))
	case int64:
		return groupDigits(n)
	}
	return fmt.Sprint(v)
}

// groupDigits writes 1234567 as "1 234 567", as Swedish text does.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// mib formats a byte count as whole MiB for a reason.
func mib(n int64) string { return fmt.Sprintf("%s MiB", groupDigits(n>>20)) }
