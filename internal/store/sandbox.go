package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// readerLockdown are the DuckDB settings of every read-only store: no file
// outside the store can be read or written (read_text, read_csv, COPY,
// ATTACH, INSTALL, LOAD, EXPORT …), and no statement can change a setting
// back. The process that runs `nyckeltal sql` may be the one that can read
// the pseudonym key and replace the store; its SQL must not.
const readerLockdown = "&enable_external_access=false&lock_configuration=true"

// ErrQueryRefused marks an analyst's query that nyckeltal does not run.
var ErrQueryRefused = errors.New("query refused")

// QueryRefusedError says what was refused and why.
type QueryRefusedError struct {
	What string // the statement or operation: COPY, ATTACH, "reading a file" …
	Why  string
	// Detail is DuckDB's own message, when it refused the query.
	Detail string
}

func (e *QueryRefusedError) Error() string {
	msg := fmt.Sprintf("query refused: %s: %s", e.What, e.Why)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is makes a QueryRefusedError an ErrQueryRefused.
func (e *QueryRefusedError) Is(target error) bool { return target == ErrQueryRefused }

// QueryResult is the whole result of an analyst's query.
type QueryResult struct {
	Columns []string
	Rows    [][]any
}

// statementRules names the statements an analyst's query may not be, and
// why. Only SELECT (with WITH, FROM-first, VALUES, SHOW, DESCRIBE,
// SUMMARIZE, PRAGMA show_tables, all of which DuckDB plans as SELECT) and
// EXPLAIN run.
var statementRules = map[duckdb.StmtType][2]string{
	duckdb.STATEMENT_TYPE_COPY:         {"COPY", "it reads or writes files"},
	duckdb.STATEMENT_TYPE_ATTACH:       {"ATTACH", "it opens another database file"},
	duckdb.STATEMENT_TYPE_DETACH:       {"DETACH", "the store is the only database of a query"},
	duckdb.STATEMENT_TYPE_LOAD:         {"INSTALL/LOAD", "extensions are code from files or the network"},
	duckdb.STATEMENT_TYPE_EXPORT:       {"EXPORT", "it writes files"},
	duckdb.STATEMENT_TYPE_VARIABLE_SET: {"SET/RESET/USE", "the reader's settings are locked (no file access, read-only)"},
	duckdb.STATEMENT_TYPE_SET:          {"SET", "the reader's settings are locked (no file access, read-only)"},
	duckdb.STATEMENT_TYPE_CREATE:       {"CREATE", "the store is read-only, temporary tables, views and macros included; use a CTE (WITH x AS (…) SELECT …)"},
	duckdb.STATEMENT_TYPE_CREATE_FUNC:  {"CREATE MACRO/FUNCTION", "the store is read-only; write the expression in the query"},
	duckdb.STATEMENT_TYPE_INSERT:       {"INSERT", "the store is read-only"},
	duckdb.STATEMENT_TYPE_UPDATE:       {"UPDATE", "the store is read-only"},
	duckdb.STATEMENT_TYPE_DELETE:       {"DELETE", "the store is read-only"},
	duckdb.STATEMENT_TYPE_DROP:         {"DROP", "the store is read-only"},
	duckdb.STATEMENT_TYPE_ALTER:        {"ALTER", "the store is read-only"},
	duckdb.STATEMENT_TYPE_VACUUM:       {"VACUUM", "the store is read-only"},
	duckdb.STATEMENT_TYPE_ANALYZE:      {"ANALYZE", "the store is read-only"},
	duckdb.STATEMENT_TYPE_TRANSACTION:  {"BEGIN/COMMIT/ROLLBACK", "a query runs alone"},
	duckdb.STATEMENT_TYPE_PREPARE:      {"PREPARE", "a query runs alone"},
	duckdb.STATEMENT_TYPE_EXECUTE:      {"EXECUTE", "a query runs alone"},
	duckdb.STATEMENT_TYPE_CALL:         {"CALL/PRAGMA", "write SELECT * FROM the table function instead (SELECT * FROM pragma_version())"},
	duckdb.STATEMENT_TYPE_PRAGMA:       {"PRAGMA", "write SELECT * FROM the table function instead (SELECT * FROM pragma_table_info('kpi'))"},
}

// AnalystQuery runs one analyst's query — `nyckeltal sql`, a ready-made
// analysis — on a read-only store and returns its whole result. It refuses,
// with a *QueryRefusedError saying what and why, anything but one SELECT or
// EXPLAIN: the statement type comes from DuckDB's own parse (a prepared
// statement), so a refusal is explicit rather than an obscure DuckDB error.
// The reader's settings (readerLockdown) refuse file access besides; their
// refusal is reported the same way.
func (s *Store) AnalystQuery(ctx context.Context, query string) (*QueryResult, error) {
	if s.mode != ReadOnly || s.exportable {
		return nil, errors.New("running a query: the store must be opened read-only")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("running query: %w", err)
	}
	defer conn.Close()
	if err := checkStatement(conn, query); err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, queryError(err)
	}
	defer rows.Close()
	res := &QueryResult{}
	if res.Columns, err = rows.Columns(); err != nil {
		return nil, queryError(err)
	}
	for rows.Next() {
		vals := make([]any, len(res.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("reading result: %w", err)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(err)
	}
	return res, nil
}

// checkStatement prepares the query without running it and refuses every
// statement type but SELECT and EXPLAIN, and more than one statement (the
// driver would run all but the last without a word).
func checkStatement(conn *sql.Conn, query string) error {
	if strings.TrimSpace(query) == "" {
		return &QueryRefusedError{What: "an empty query", Why: "give one SELECT"}
	}
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("running query: unexpected driver connection %T", dc)
		}
		// Prepare (not PrepareContext) refuses several statements instead of
		// executing the first ones.
		st, err := c.Prepare(query)
		if err != nil {
			// The driver says so in an error of its own (not exported): its text.
			if strings.Contains(err.Error(), "multi-statement") {
				return &QueryRefusedError{What: "several statements", Why: "nyckeltal sql runs one statement at a time; " +
					"combine them with WITH … SELECT, or run them one by one"}
			}
			return queryError(err)
		}
		defer st.Close()
		typ, err := st.(*duckdb.Stmt).StatementType()
		if err != nil {
			return fmt.Errorf("running query: %w", err)
		}
		switch typ {
		case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN:
			return nil
		}
		if r, ok := statementRules[typ]; ok {
			return &QueryRefusedError{What: r[0], Why: r[1]}
		}
		return &QueryRefusedError{What: fmt.Sprintf("a statement of type %d", typ), Why: "only SELECT and EXPLAIN are run"}
	})
}

// queryError wraps DuckDB's error: a permission error (file access off) is a
// refusal; any other is the query's own mistake.
func queryError(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypePermission {
		return &QueryRefusedError{What: "reading or writing files",
			Why: "a query reads the store only: read_text, read_csv, read_parquet, read_json, glob, " +
				"a file name in FROM, COPY, ATTACH, INSTALL and LOAD are switched off (enable_external_access = false)",
			Detail: firstLine(de.Msg)}
	}
	// A locked setting is an Invalid Input error with no code of its own:
	// the type first, then the message within it.
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeInvalidInput && strings.Contains(de.Msg, "configuration has been locked") {
		return &QueryRefusedError{What: "changing a setting", Why: "the reader's settings are locked", Detail: firstLine(de.Msg)}
	}
	return fmt.Errorf("running query: %w", err)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// lockdown switches file access off for the rest of the store's life, except
// in the directories given (absolute), and locks the settings: what an
// export does once it has made its directory.
func (s *Store) lockdown(ctx context.Context, allowed ...string) error {
	var dirs []string
	for _, d := range allowed {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		dirs = append(dirs, sqlString(strings.TrimSuffix(abs, string(filepath.Separator))+string(filepath.Separator)))
	}
	stmts := []string{}
	if len(dirs) > 0 {
		stmts = append(stmts, "SET allowed_directories = ["+strings.Join(dirs, ", ")+"]")
	}
	stmts = append(stmts, "SET enable_external_access = false", "SET lock_configuration = true")
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restricting file access: %w", err)
		}
	}
	return nil
}
