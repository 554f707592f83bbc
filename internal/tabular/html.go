package tabular

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readHTML reads every <tr> of every table, in document order, as a row: an
// Excel 2000 HTML workbook (WebFOCUS EXL2K, saved with an .xls name) keeps its
// heading rows, column titles, data and footings in table rows. colspan and
// rowspan keep the columns aligned; Excel's x:num attribute carries the raw
// number behind a formatted cell.
func readHTML(text, enc string, opts Options) (*Table, error) {
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, unreadable(0, 0, "parsing HTML: %v", err)
	}
	t := &Table{Format: Format{Kind: KindHTML, Encoding: enc}}
	pending := map[int]int{} // column -> rows a rowspan still covers
	tables := 0
	var walk func(n *html.Node) error
	walk = func(n *html.Node) error {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Table:
				tables++
			case atom.Tr:
				row := readTR(n, pending)
				t.Rows = append(t.Rows, Row{Line: len(t.Rows) + 1, Cells: row})
				if len(t.Rows) > opts.MaxRows {
					return unreadable(len(t.Rows), 0, "more than %d rows", opts.MaxRows)
				}
				return nil // a table nested in a cell is read as that cell's text
			case atom.Script, atom.Style, atom.Head:
				return nil
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc); err != nil {
		return nil, err
	}
	if tables == 0 || len(t.Rows) == 0 {
		return nil, unreadable(0, 0, "the HTML file holds no table rows (an EXL2K export is an HTML table)")
	}
	return t, nil
}

// maxSpan bounds colspan and rowspan, so that a hostile file cannot make a
// row of a billion cells.
const maxSpan = 1000

func spanAttr(n *html.Node, name string) int {
	for _, a := range n.Attr {
		if a.Key == name {
			v, err := strconv.Atoi(strings.TrimSpace(a.Val))
			if err != nil || v < 1 {
				return 1
			}
			return min(v, maxSpan)
		}
	}
	return 1
}

func readTR(tr *html.Node, pending map[int]int) []string {
	var cells []string
	col := 0
	skipPending := func() {
		for pending[col] > 0 {
			pending[col]--
			if pending[col] == 0 {
				delete(pending, col)
			}
			cells = append(cells, "")
			col++
		}
	}
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		skipPending()
		cells = append(cells, cellValue(c))
		colspan, rowspan := spanAttr(c, "colspan"), spanAttr(c, "rowspan")
		for i := 0; i < colspan; i++ {
			if i > 0 {
				cells = append(cells, "")
			}
			if rowspan > 1 {
				pending[col] = rowspan - 1
			}
			col++
		}
	}
	skipPending()
	// Spans that reach beyond this row's last cell still count down.
	for k, v := range pending {
		if k >= col {
			if v--; v == 0 {
				delete(pending, k)
			} else {
				pending[k] = v
			}
		}
	}
	return cells
}

// cellValue is the cell's text, or Excel's raw number (x:num) when present.
// A number shown as a percentage ("7,2%", raw 0.072) is returned as shown,
// 7.2, because that is the figure the report means.
func cellValue(td *html.Node) string {
	text := strings.Join(strings.Fields(strings.ReplaceAll(nodeText(td), "\u00a0", " ")), " ")
	for _, a := range td.Attr {
		if a.Key == "x:num" && strings.TrimSpace(a.Val) != "" {
			raw := strings.TrimSpace(a.Val)
			if strings.HasSuffix(text, "%") {
				if v, err := strconv.ParseFloat(raw, 64); err == nil {
					return strconv.FormatFloat(v*100, 'g', 15, 64)
				}
			}
			return raw
		}
	}
	return text
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteByte(' ')
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
