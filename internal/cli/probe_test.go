package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
)

func TestKoladaProbeCommand(t *testing.T) {
	h := newHarness(t)
	out := h.mustRun("kolada", "probe")
	for _, want := range []string{"Avläsning 1 av hur Kolada svarar, " + h.env["NYCKELTAL_KOLADA_URL"], "svar utan data (no_data)", "empty_200",
		"gruppers medelvärden (group_means)", "computed", "anslutningen: frågar aldrig efter gruppers värden", "v2", "error_200", "Sparad i kolada_probe"} {
		if !strings.Contains(out, want) {
			t.Fatalf("probe output lacks %q:\n%s", want, out)
		}
	}
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM v_kolada_probe WHERE probe_id = 1"); !strings.Contains(n, "8") {
		t.Fatalf("the probe's 8 findings are not stored: %s", n)
	}

	// Kolada changes: the next probe says what changed, in JSON for monitoring.
	h.fake.SetQuirks(koladafake.Quirks{NotFoundForNoData: true, V2Gone: true})
	var got struct {
		ProbeID  int64    `json:"probe_id"`
		Requests int64    `json:"requests"`
		Changed  []string `json:"changed"`
		Findings []struct {
			Behaviour string `json:"behaviour"`
			Answer    string `json:"answer"`
			Before    string `json:"before"`
			Connector string `json:"connector"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("kolada", "probe", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.ProbeID != 2 || got.Requests == 0 || strings.Join(got.Changed, ",") != "no_data,v2" || len(got.Findings) != 8 {
		t.Fatalf("second probe: %+v", got)
	}
	for _, f := range got.Findings {
		if f.Behaviour == kolada.BehaviourNoData && (f.Answer != kolada.Answer404 || f.Before != kolada.AnswerEmpty200 || f.Connector == "") {
			t.Fatalf("no_data: %+v", f)
		}
	}
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM observation"); !strings.Contains(n, "\n0") {
		t.Fatalf("the probe loaded data: %s", n)
	}
}

func TestKoladaProbeUnreachable(t *testing.T) {
	h := newHarness(t)
	h.env["NYCKELTAL_KOLADA_URL"] = "http://127.0.0.1:1/v3"
	_, errs, code := h.run("kolada", "probe")
	if code != ExitNetwork || !strings.Contains(errs, `"hint":"check the network`) {
		t.Fatalf("exit %d, stderr %s; want %d with a hint", code, errs, ExitNetwork)
	}
}

// TestRunProbesFirstAndAfterAFailureItExplains: the first run probes before
// it loads; a later run whose load fails because Kolada now answers no data
// with 404 probes again, finds the change, and loads once more.
func TestRunProbesFirstAndAfterAFailureItExplains(t *testing.T) {
	h := newHarness(t)
	out := h.mustRun("run")
	if !strings.Contains(out, "läste av hur Kolada svarar (första körningen, avläsning 1)") {
		t.Fatalf("the first run did not say it probed:\n%s", out)
	}
	h.mustRun("run")
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(DISTINCT probe_id) FROM v_kolada_probe"); !strings.Contains(n, "\n1") {
		t.Fatalf("a second run probed again without cause: %s", n)
	}

	h.fake.SetQuirks(koladafake.Quirks{NotFoundForNoData: true})
	out = h.mustRun("run")
	for _, want := range []string{"läste av hur Kolada svarar (efter ett fel, avläsning 2): no_data 404 (var empty_200)", "laddades igen efter avläsningen",
		"svarade 404, räknat som inga data"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the run after Kolada changed lacks %q:\n%s", want, out)
		}
	}
	loads := h.mustRun("sql", "--format", "csv", "SELECT status, count(*) FROM load WHERE load_id > 2 GROUP BY ALL ORDER BY 1")
	if !strings.Contains(loads, "failed,1") || !strings.Contains(loads, "ok,1") {
		t.Fatalf("want one failed load and one that followed the new probe:\n%s", loads)
	}
}

func TestIngestSaysWhatItSetAside(t *testing.T) {
	h := newHarness(t)
	h.fake.SetQuirks(koladafake.Quirks{ExtraUnits: true})
	out := h.mustRun("ingest", "kolada")
	if !strings.Contains(out, "värden sparades inte:") || !strings.Contains(out, "av grupper (räknas i stället fram ur medlemmarnas)") {
		t.Fatalf("ingest does not say what it set aside:\n%s", out)
	}
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM observation WHERE unit_kind = 'group' OR unit_id = '0099'"); !strings.Contains(n, "\n0") {
		t.Fatalf("values of units not asked for were stored: %s", n)
	}
}
