package treserva

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
)

// An extract cut after "Bifall" would lose the decision's offer date and
// change the waiting times: it is refused whole. A row with fewer fields
// than the headings amid the extract is refused.
func TestCutExtractIsRefused(t *testing.T) {
	t.Parallel()
	b := readSample(t)
	cut := b[:bytes.LastIndex(b, []byte("Bifall"))+len("Bifall")]
	_, err := parse(t, cut, nil)
	var fe *ownfiles.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Problems[0].Reason, "saknar radslut") {
		t.Fatalf("err %v", err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	short := append([]byte(nil), bytes.Join(lines[:5], nil)...)
	short = append(short, []byte("19400101-0018;M;S\xe4rskilt boende;SoL;2024-01-02;2024-01-20;Bifall\r\n")...)
	short = append(short, bytes.Join(lines[5:], nil)...)
	got, err := parse(t, short, nil)
	if err != nil || got.NumRefused() != 1 || got.Problems[0].Line != 6 || !strings.Contains(got.Problems[0].Reason, "raden har 7 fält men rubrikraden 13") {
		t.Fatalf("%v %v", err, got.Problems)
	}
	for _, c := range got.Refused[0].Cells {
		if strings.Contains(c, "19400101") {
			t.Fatal("a personnummer in the quarantine row")
		}
	}
}
