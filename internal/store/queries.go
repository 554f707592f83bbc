package store

import (
	"bufio"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	sqlfiles "github.com/nyckeltal/nyckeltal/sql"
)

var (
	queriesOnce sync.Once
	queries     map[string]string
	queriesErr  error
)

// query returns the named statement from sql/queries. A missing name is a
// programming error, caught by the tests that exercise every statement.
func query(name string) string {
	queriesOnce.Do(func() { queries, queriesErr = parseQueryFiles(sqlfiles.Queries) })
	if queriesErr != nil {
		panic(queriesErr)
	}
	q, ok := queries[name]
	if !ok {
		panic("store: no query named " + name)
	}
	return q
}

// parseQueryFiles reads every *.sql file of fsys into blocks keyed by the
// "-- name: X" line that opens each block.
func parseQueryFiles(fsys fs.FS) (map[string]string, error) {
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := parseQueryBlocks(f, string(b), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseQueryBlocks(file, text string, out map[string]string) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("%s: query %q defined twice", file, name)
		}
		out[name] = strings.TrimSpace(body.String())
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}
