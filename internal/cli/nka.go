package cli

import (
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// nkaCommon are the flags gap and sparbeting share.
type nkaCommon struct {
	municipality string
	comparator   string
	target       string
	peerTrend    string
	groups       string
	format       string
	excel        bool
	out          string
	asOf         string
}

const (
	formatFlagHelp = "table, csv, json or xlsx (without --format, the extension of --out decides); table, xlsx and " +
		"csv --excel are for people (Swedish headings), csv and json for programs (stable English keys)"
	excelFlagHelp = "with csv: what Swedish Excel opens by a double click (the table for people with its Swedish headings, ; " +
		"between fields, a decimal comma, a UTF-8 byte order mark) instead of RFC 4180 with English keys"
	comparatorFlagHelp = "mean, median, liknande, liknande:2022 (that year's Liknande kommuner group), lan (the county), riket, " +
		"a Kolada group id like G36535 or a group of your own (default: nka.comparator, mean)"
	targetFlagHelp = "of the comparison set: mean, median, p25 (a percentile) or share:0.5 (close half the gap) (default: nka.target, " +
		"the comparator's own)"
	peerTrendFlagHelp = "hold (the peers' NKA stays at the year's level) or linear:N (it follows its trend over the last N years) " +
		"(default: nka.peer_trend, hold)"
)

func (c *nkaCommon) asOfTime() (*time.Time, error) {
	if strings.TrimSpace(c.asOf) == "" {
		return nil, nil
	}
	t, err := nka.ParseAsOf(c.asOf)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return &t, nil
}
