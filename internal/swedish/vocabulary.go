package swedish

import (
	"strings"
	"unicode"
)

// The words of the domain, written once. Every heading and note for people
// uses these; docs/ORDLISTA.md explains them (and names the English keys of
// the machine formats that correspond to them).
const (
	// Utfall is the outcome of a year as the annual accounts (RS) report it:
	// the year a gap is measured in.
	Utfall = "utfall enligt RS"
	// Basar is the outcome year the sparbeting is sized from.
	Basar = "basår"
	// Malar is the budget year by which the gap is to be closed.
	Malar = "målår"
	// LiknandeKommuner are RKA's structurally matched peer groups in Kolada.
	LiknandeKommuner = "liknande kommuner"
	// Medelvarde is the unweighted mean of the members with a value.
	Medelvarde = "medelvärde"
	// Median is the median of the members with a value.
	Median = "median"
	// Riket is the whole country (Kolada's 0000; NKA 0 by definition).
	Riket = "riket"
	// Referenskostnad is the cost the structure explains (kostnadsutjämningen).
	Referenskostnad = "referenskostnad"
	// Avvikelse is the municipality's NKA minus the comparison value.
	Avvikelse = "avvikelse"
	// Jamforelsevarde is what the avvikelse is measured against.
	Jamforelsevarde = "jämförelsevärde"
	// Glidbana spreads the sparbeting over the budget years before the målår.
	Glidbana = "glidbana"
	// Sparbeting is the savings requirement the avvikelse sizes.
	Sparbeting = "sparbeting"
	// Omrakning compares the sparbeting of two base years.
	Omrakning = "omräkning"
	// Preliminar marks a value Kolada has not yet published as final (2025*).
	Preliminar = "preliminär"
	// EgenBearbetning marks every figure nyckeltal computed.
	EgenBearbetning = "egen bearbetning"
	// Laddning is one load of data into the store.
	Laddning = "laddning"
)

// Capitalize writes s with a capital first letter, for a heading or the
// start of a cell: "äldreomsorg" → "Äldreomsorg".
func Capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// JoinAnd lists words the Swedish way: "a", "a och b", "a, b och c".
func JoinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " och " + xs[len(xs)-1]
}

// Count writes a count with its noun in the right number: Count(1, "rad",
// "rader") is "1 rad", Count(1200, "rad", "rader") "1 200 rader".
func Count[N ~int | ~int64](n N, one, other string) string {
	if n == 1 || n == -1 {
		return Int(int64(n)) + " " + one
	}
	return Int(int64(n)) + " " + other
}
