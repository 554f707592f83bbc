package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// writeRows prints a result in one of the output formats every listing
// command offers.
func writeRows(w io.Writer, format string, cols []string, rows [][]any) error {
	switch format {
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = cellText(v, "NULL")
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		return tw.Flush()
	case "csv":
		cw := textsafe.NewCSVWriter(w)
		if err := cw.Write(cols); err != nil {
			return err
		}
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = cellText(v, "")
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]map[string]any, len(rows))
		for i, r := range rows {
			m := make(map[string]any, len(cols))
			for j, c := range cols {
				m[c] = jsonValue(r[j])
			}
			out[i] = m
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return usageErrorf("--format %q: use table, csv or json", format)
}

// cellText renders a database value for text output.
func cellText(v any, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case []byte:
		return string(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// jsonValue keeps numbers, booleans and NULLs as JSON types.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case time.Time:
		return cellText(x, "")
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return x.String()
	}
	return cellText(v, "")
}
