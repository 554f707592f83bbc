package tables

import (
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"io"
	"strconv"
	"strings"
)

// CSVOptions choose the dialect.
type CSVOptions struct {
	// Excel writes what Swedish Excel opens correctly by double-click: ";"
	// between fields, a decimal comma, and a UTF-8 byte order mark (without
	// it Excel reads UTF-8 as Windows-1252). Otherwise RFC 4180: "," and a
	// decimal point, for programs.
	Excel bool
}

// DetailColumns are the columns of a målområde's file: one row per
// indicator, split and period.
var DetailColumns = []string{"Kod", "Indikator", "Målområde", "Mål", "Riktning", "Indelning", "Period", "Värde",
	"Måttenhet", "Preliminär", "Jämförs med", "Föregående värde", "Förändring (egen bearbetning)",
	"Bedömning (egen bearbetning)", "Liknande kommuner", "Liknande kommuner, medelvärde (egen bearbetning)",
	"Liknande kommuner, median (egen bearbetning)", "Rang bland liknande kommuner (egen bearbetning)",
	"Antal rangordnade", "Riket", "Källa", "Anmärkning"}

// OverviewColumns are the columns of the overview: one row per indicator,
// its latest period.
var OverviewColumns = []string{"Kod", "Indikator", "Målområde", "Mål", "Riktning", "Senaste period", "Värde",
	"Måttenhet", "Preliminär", "Förändring (egen bearbetning)", "Bedömning (egen bearbetning)",
	"Liknande kommuner, medelvärde (egen bearbetning)", "Rang bland liknande kommuner (egen bearbetning)",
	"Antal rangordnade", "Riket", "Källa", "Anmärkning"}

type csvWriter struct {
	w   *textsafe.CSVWriter
	num func(*float64) string
}

func newCSV(w io.Writer, o CSVOptions) (*csvWriter, error) {
	cw := &csvWriter{w: textsafe.NewCSVWriter(w), num: machineNumber}
	if o.Excel {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, err
		}
		cw.w.Comma = ';'
		cw.w.UseCRLF = true // what Excel writes itself
		cw.num = excelNumber
	}
	return cw, nil
}

func intCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// WriteDetailCSV writes the rows of a målområde's indicators.
func (r *Result) WriteDetailCSV(w io.Writer, malomrade string, o CSVOptions) error {
	cw, err := newCSV(w, o)
	if err != nil {
		return err
	}
	if err := cw.w.Write(DetailColumns); err != nil {
		return err
	}
	for _, t := range r.Of(malomrade) {
		for _, rec := range detailRecords(t, cw.num) {
			if err := cw.w.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.w.Flush()
	return cw.w.Error()
}

// detailRecords are an indicator's rows as text cells; an indicator without
// rows gets one that says why.
func detailRecords(t *IndicatorTable, num func(*float64) string) [][]string {
	ind := t.Indicator
	head := []string{ind.Code, ind.Name, t.Malomrade.Name, t.Mal.Name, directionText(string(ind.Direction))}
	notes := strings.Join(t.Notes, " ")
	if len(t.Rows) == 0 {
		rec := append(append([]string{}, head...), make([]string, len(DetailColumns)-len(head))...)
		rec[len(DetailColumns)-2] = t.SourceNote()
		rec[len(DetailColumns)-1] = notes
		rec[8] = ind.Unit
		return [][]string{rec}
	}
	var out [][]string
	for i, row := range t.Rows {
		var group, mean, median, rank, of string
		if p := row.Peers; p != nil {
			group = p.GroupTitle + " (" + p.GroupID + ")"
			mean, median = num(p.Mean), num(p.Median)
			rank, of = intCell(p.Rank), intCell(p.Of)
		}
		note := row.Note
		if i == 0 && notes != "" {
			note = joinNote(note, notes)
		}
		prevLabel := PeriodKey{row.Period.Year - 1, row.Period.Period}.Label()
		rec := append(append([]string{}, head...), row.Split.Label(), row.Period.Label(), num(row.Value), ind.Unit,
			yesNo(row.Preliminary), prevLabel, num(row.Previous), num(row.Change), string(row.Verdict), group, mean, median,
			rank, of, num(row.Riket), t.SourceNote(), note)
		out = append(out, rec)
	}
	return out
}

// WriteOverviewCSV writes one row per indicator of the catalogue.
func (r *Result) WriteOverviewCSV(w io.Writer, o CSVOptions) error {
	cw, err := newCSV(w, o)
	if err != nil {
		return err
	}
	if err := cw.w.Write(OverviewColumns); err != nil {
		return err
	}
	for _, t := range r.Indicators {
		if err := cw.w.Write(overviewRecord(t, cw.num)); err != nil {
			return err
		}
	}
	cw.w.Flush()
	return cw.w.Error()
}

func overviewRecord(t *IndicatorTable, num func(*float64) string) []string {
	ind := t.Indicator
	rec := []string{ind.Code, ind.Name, t.Malomrade.Name, t.Mal.Name, directionText(string(ind.Direction))}
	row := t.Latest()
	if row == nil {
		rec = append(rec, "", "", ind.Unit, "", "", "", "", "", "", "", t.SourceNote(), strings.Join(t.Notes, " "))
		return rec
	}
	var mean, rank, of string
	if p := row.Peers; p != nil {
		mean, rank, of = num(p.Mean), intCell(p.Rank), intCell(p.Of)
	}
	return append(rec, row.Period.Label(), num(row.Value), ind.Unit, yesNo(row.Preliminary), num(row.Change),
		string(row.Verdict), mean, rank, of, num(row.Riket), t.SourceNote(), joinNote(row.Note, strings.Join(t.Notes, " ")))
}
