package kolada

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// pageStep is what following one page's next_url took.
type pageStep struct {
	// emptyWithNext: the page had no rows but a next_url; paging ended there.
	emptyWithNext bool
	// restored names the parameters of the request that next_url had lost
	// and got back.
	restored []string
}

// nextPage is the URL of the page after one with rows rows whose next_url is
// next, of the paged answer to request; "" when paging ends. Paging ends at a
// page without rows even when it carries a next_url, since an answer whose
// next_url never ends would otherwise be read forever; and a next_url that
// lost a parameter of the request (from_date, per_page …) gets it back, since
// without from_date page 2 on would be every value, and without per_page the
// server's default page size would skip rows. A parameter next_url carries is
// never changed: a server that lowered per_page numbers its pages by it.
func nextPage(request, next string, rows int) (string, pageStep) {
	if next == "" {
		return "", pageStep{}
	}
	if rows == 0 {
		return "", pageStep{emptyWithNext: true}
	}
	restored, added := restoreParams(request, next)
	return restored, pageStep{restored: added}
}

func restoreParams(request, next string) (string, []string) {
	rq, err := url.Parse(request)
	if err != nil {
		return next, nil
	}
	nx, err := url.Parse(next)
	if err != nil {
		return next, nil
	}
	q := nx.Query()
	var added []string
	for k, vs := range rq.Query() {
		if k == "page" {
			continue
		}
		if _, ok := q[k]; !ok {
			q[k] = vs
			added = append(added, k)
		}
	}
	if len(added) == 0 {
		return next, nil
	}
	sort.Strings(added)
	nx.RawQuery = q.Encode()
	return nx.String(), added
}

// notFound reports whether err is Kolada answering 404.
func notFound(err error) bool {
	var re *RequestError
	return errors.As(err, &re) && re.Status == http.StatusNotFound
}

// Status is the HTTP status of the answer err is about, 0 when none came.
func Status(err error) int {
	var re *RequestError
	if errors.As(err, &re) {
		return re.Status
	}
	return 0
}

// asked is what a data request asked for, read from its path: its KPIs,
// units and years. units nil means every municipality.
type asked struct {
	ou    bool
	kpis  map[string]bool
	units map[string]bool
	years map[int]bool
}

// askedOf reads a /data or /oudata URL under base.
func askedOf(base, raw string) (asked, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return asked{}, fmt.Errorf("%w: bad URL %q", ErrInvalidPage, raw)
	}
	path := u.Path
	if b, err := url.Parse(base); err == nil {
		path = strings.TrimPrefix(path, strings.TrimSuffix(b.Path, "/"))
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	a := asked{ou: segs[0] == kindOUData}
	for i := 1; i+1 < len(segs); i += 2 {
		ids := map[string]bool{}
		for _, id := range strings.Split(segs[i+1], ",") {
			if id != "" {
				ids[id] = true
			}
		}
		switch segs[i] {
		case "kpi":
			a.kpis = ids
		case "municipality", "ou":
			a.units = ids
		case "year":
			a.years = map[int]bool{}
			for id := range ids {
				y, err := strconv.Atoi(id)
				if err != nil {
					return asked{}, fmt.Errorf("%w: year %q in %s", ErrInvalidPage, id, raw)
				}
				a.years[y] = true
			}
		}
	}
	return a, nil
}

// SetAside counts the values of an answer's rows that the request did not
// ask for, which are not stored.
type SetAside struct {
	// Groups are values of group ids (G…): group values are computed from
	// the members' values in the store (v_kolada_group_value), never taken
	// from the API.
	Groups int64
	// Units are values of municipalities, regions or OUs the request did not
	// name (with all municipalities: that /municipality does not list).
	Units int64
	// Other are values of KPIs or years the request did not ask for.
	Other int64
	// Examples are a few of the units, KPIs and years set aside (not of the
	// groups, which are expected), for the summary.
	Examples []string
}

// Total is every value set aside.
func (s SetAside) Total() int64 { return s.Groups + s.Units + s.Other }

func (s *SetAside) add(kind *int64, n int64, example string) {
	*kind += n
	if kind == &s.Groups {
		return
	}
	for _, e := range s.Examples {
		if e == example {
			return
		}
	}
	if len(s.Examples) < 5 {
		s.Examples = append(s.Examples, example)
	}
}

// String says what was set aside, for the load's summary.
func (s SetAside) String() string {
	var parts []string
	if s.Groups > 0 {
		parts = append(parts, fmt.Sprintf("%d av grupper (räknas i stället fram ur medlemmarnas)", s.Groups))
	}
	if s.Units > 0 {
		parts = append(parts, fmt.Sprintf("%d av enheter som inte efterfrågades", s.Units))
	}
	if s.Other > 0 {
		parts = append(parts, fmt.Sprintf("%d av nyckeltal eller år som inte efterfrågades", s.Other))
	}
	msg := strings.Join(parts, ", ")
	if len(s.Examples) > 0 {
		msg += " (till exempel " + strings.Join(s.Examples, ", ") + ")"
	}
	return msg
}
