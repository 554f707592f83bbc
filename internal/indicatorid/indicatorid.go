// Package indicatorid holds the shapes of the ids values are stored under:
// Kolada's KPI ids (N20900) and group ids (G36535), and the codes of the
// municipality's own indicators (WF_SJUKFRANVARO_TOTALT), which are never
// shaped like a Kolada id, so that the two cannot be confused. Defined once
// for the configuration, the connectors and the transforms.
package indicatorid

import (
	"fmt"
	"regexp"
)

var (
	koladaKPI   = regexp.MustCompile(`^[A-Z]\d{5}$`)
	koladaGroup = regexp.MustCompile(`^G\d+$`)
	localCode   = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)
)

// IsKolada reports whether s is shaped like a Kolada KPI id (N20900).
func IsKolada(s string) bool { return koladaKPI.MatchString(s) }

// IsKoladaGroup reports whether s is shaped like a Kolada group id (G36535).
func IsKoladaGroup(s string) bool { return koladaGroup.MatchString(s) }

// IsLocal reports whether s is a local indicator code: capitals, digits and
// _, up to 40 characters, never shaped like a Kolada id.
func IsLocal(s string) bool { return localCode.MatchString(s) && !IsKolada(s) }

// CheckLocal says why code is not a local indicator code (nil when it is).
func CheckLocal(code string) error {
	if !localCode.MatchString(code) {
		return fmt.Errorf("%q is not a local indicator code (capital letters, digits and _, like WF_SJUKFRANVARO_TOTALT)", code)
	}
	if IsKolada(code) {
		return fmt.Errorf("%q looks like a Kolada KPI id; local codes must not, so that the two are never confused", code)
	}
	return nil
}
