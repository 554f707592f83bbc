package ownfiles

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want store.Period
	}{
		{"2024", store.YearPeriod(2024)},
		{"Helår 2024", store.YearPeriod(2024)},
		{"2024 helår", store.YearPeriod(2024)},
		{"Delår 2024", store.InterimPeriod(2024, time.August)},
		{"2024-Q1", store.QuarterPeriod(2024, 1)},
		{"2024Q3", store.QuarterPeriod(2024, 3)},
		{"Q2 2024", store.QuarterPeriod(2024, 2)},
		{"Kvartal 1 2024", store.QuarterPeriod(2024, 1)},
		{"2024 K1", store.QuarterPeriod(2024, 1)},
		{"1:a kvartalet 2024", store.QuarterPeriod(2024, 1)},
		{"2024-08", store.MonthPeriod(2024, 8)},
		{"202408", store.MonthPeriod(2024, 8)},
		{"augusti 2024", store.MonthPeriod(2024, 8)},
		{"Maj 2024", store.MonthPeriod(2024, 5)},
		{"2024-01-01–2024-08-31", store.InterimPeriod(2024, time.August)},
		{"2024-01-01 - 2024-12-31", store.YearPeriod(2024)},
		{"20240101-20240331", store.QuarterPeriod(2024, 1)},
		{"20240401-20240630", store.QuarterPeriod(2024, 2)},
		{"2024-01--2024-04", store.InterimPeriod(2024, time.April)},
		{"januari–augusti 2024", store.InterimPeriod(2024, time.August)},
		{"jan-mar 2024", store.QuarterPeriod(2024, 1)},
		{"t.o.m. 2024-08-31", store.InterimPeriod(2024, time.August)},
		{"Period: 2024-06", store.MonthPeriod(2024, 6)},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in, time.August)
		if err != nil || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %s, %v; want %s", tt.in, Label(got), err, Label(tt.want))
		}
	}
	for _, bad := range []string{"", "sommaren 2024", "2024-13", "2024-02-15–2024-05-10", "2024-03-01–2024-08-31", "2024-08-31", "1850", "2023-07-01–2024-06-30"} {
		if _, err := ParsePeriod(bad, time.August); !errors.Is(err, ErrPeriod) {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if got, _ := ParsePeriod("delår 2024", time.April); got != store.InterimPeriod(2024, time.April) {
		t.Errorf("the delår month is not the configured one: %s", Label(got))
	}
}

func TestFindPeriod(t *testing.T) {
	tests := []struct {
		text  string
		want  store.Period
		found bool
		err   bool
	}{
		{"Sjukfrånvaro januari–augusti 2024, Vård- och omsorgskontoret \n Källa: WebFOCUS, uttag 2024-09-05", store.InterimPeriod(2024, time.August), true, false},
		{"Verksamhetsstatistik \n Helår 2024", store.YearPeriod(2024), true, false},
		{"Rapport för kvartal 1 2024", store.QuarterPeriod(2024, 1), true, false},
		{"Period 2024-01-01 - 2024-03-31", store.QuarterPeriod(2024, 1), true, false},
		{"Personal och sjukfrånvaro", store.Period{}, false, false},
		{"Delår 2023 jämfört med delår 2024", store.Period{}, false, true},
		{"Summa marsvin", store.Period{}, false, false},
	}
	for _, tt := range tests {
		got, found, err := FindPeriod(tt.text, time.August)
		if (err != nil) != tt.err || found != tt.found || got != tt.want {
			t.Errorf("FindPeriod(%q) = %s, %v, %v", tt.text, Label(got), found, err)
		}
	}
}

func TestClassifiers(t *testing.T) {
	for in, want := range map[string]string{"": "T", "Totalt": "T", "Kvinnor": "K", "kvinna": "K", "Män": "M", "M": "M"} {
		if got, err := ParseGender(in); err != nil || got != want {
			t.Errorf("ParseGender(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := ParseGender("Okänt"); err == nil {
		t.Error("unknown kön accepted")
	}
	a := RegiAliases{Egen: []string{"egen regi"}, Privat: []string{"privat utförare", "LOV"}, Alla: DefaultRegiAliases.Alla}
	for in, want := range map[string]string{"": "alla", "Egen Regi": "egen", "privat-utförare": "privat", "lov": "privat", "Totalt": "alla"} {
		if got, err := a.ParseRegi(in); err != nil || got != want {
			t.Errorf("ParseRegi(%q) = %s, %v", in, got, err)
		}
	}
	for cells, want := range map[string]bool{"TOTAL": true, "*TOTAL Enhet Norr": true, "Summa": true, "Delsumma hemtjänst": true,
		"Totalförsvaret": false, "Hemtjänst Summer": false, "": false} {
		if got := IsTotalRow(cells); got != want {
			t.Errorf("IsTotalRow(%q) = %v", cells, got)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2024", "delår 2024", "2024-Q1", "januari–augusti 2024", "20240101-20240831", "t.o.m. 2024-08-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s, time.August)
		if err != nil {
			return
		}
		if p.End.Before(p.Start) || p.Start.Year() != p.Year || p.Year < 1900 || p.Year > 2100 {
			t.Fatalf("%q gave %+v", s, p)
		}
		_, _, _ = FindPeriod(s, time.August)
	})
}

func FuzzUnitID(f *testing.F) {
	for _, s := range []string{"Hemtjänst Norr", " a  b ", "a\u00a0b", "a\tb", "x\u2009y "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slow := strings.TrimSpace(unitSpaces.ReplaceAllString(strings.ReplaceAll(s, "\u00a0", " "), " "))
		if got := UnitID(s); got != slow {
			t.Fatalf("UnitID(%q) = %q, want %q", s, got, slow)
		}
	})
}

func FuzzIsTotalRow(f *testing.F) {
	for _, s := range []string{"*TOTAL Enhet X", "(Totalt)", "Summa", "Grand total", "Hemtjänst", "Ätotal", "  delsumma"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if isTotalCell(s) && !mayBeTotal(s) {
			t.Fatalf("%q is a total row the fast path passes over", s)
		}
	})
}
