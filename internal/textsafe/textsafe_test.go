package textsafe

import (
	"bytes"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"=HYPERLINK(\"http://x\",\"klicka\")": "'=HYPERLINK(\"http://x\",\"klicka\")",
		"+46 11 15 00 00":                     "'+46 11 15 00 00",
		"-2+3+cmd|' /C calc'!A0":              "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1:A2)":                         "'@SUM(A1:A2)",
		"\t=1+1":                              "'\t=1+1",
		"\r=1+1":                              "'\r=1+1",
		"-12.5":                               "-12.5",
		"-12,5":                               "-12,5",
		"+3":                                  "+3",
		"-0.000001":                           "-0.000001",
		"Norrköping":                          "Norrköping",
		"Hedemora-Säter":                      "Hedemora-Säter",
		"−1,2":                                "−1,2", // a real minus sign is text, not a formula
		"":                                    "",
		"-":                                   "'-",
		"-Inf":                                "'-Inf",
		"-NaN":                                "'-NaN",
		"-0x1p3":                              "'-0x1p3",
	}
	for in, want := range tests {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := NewCSVWriter(&b)
	w.Comma = ';'
	if err := w.WriteAll([][]string{{"enhet", "värde"}, {"=cmd|' /C calc'!A0", "-1,5"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "enhet;värde\n'=cmd|' /C calc'!A0;-1,5\n"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"<script>alert(1)</script>":        "&lt;script&gt;alert(1)&lt;/script&gt;",
		"<img src=x onerror=alert(1)>":     "&lt;img src=x onerror=alert(1)&gt;",
		"[klicka](javascript:alert(1))":    `\[klicka\](javascript:alert(1))`,
		"a | b":                            `a \| b`,
		"**fet** _kursiv_ `kod` ~~struk~~": `\*\*fet\*\* \_kursiv\_ \` + "`" + `kod\` + "`" + ` \~\~struk\~\~`,
		"# rubrik":                         `\# rubrik`,
		"- punkt":                          `\- punkt`,
		"12. punkt":                        `12\. punkt`,
		"rad 1\nrad 2":                     "rad 1 rad 2",
		"Källa: Kolada (RKA).":             "Källa: Kolada (RKA).",
		"1 234,5 tkr":                      "1 234,5 tkr",
		`a\b`:                              `a\\b`,
		"&amp;":                            "&amp;amp;",
	}
	for in, want := range tests {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(Markdown(in), "<") {
			t.Errorf("Markdown(%q) keeps a <", in)
		}
	}
}

func TestHTML(t *testing.T) {
	t.Parallel()
	if got := HTML(`<script>"'&`); got != "&lt;script&gt;&#34;&#39;&amp;" {
		t.Fatal(got)
	}
}
