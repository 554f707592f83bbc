package app

import (
	"context"
	"errors"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// StatusReport is what `nyckeltal status` shows: the store's state and the
// indicator catalogue checked against it (nil, with CatalogErr, when the
// catalogue cannot be read: said, not fatal).
type StatusReport struct {
	*store.Status
	Catalog    *CatalogStatus `json:"catalog,omitempty"`
	CatalogErr error          `json:"-"`
}

// Status reads the store's state, with recent loads.
func (a *App) Status(ctx context.Context, recent int) (*StatusReport, error) {
	st, err := a.OpenReader(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	s, err := st.Status(ctx, a.Now(), recent)
	if err != nil {
		return nil, err
	}
	// The indicator catalogue's Kolada entries that the tables cannot fill.
	cs, cerr := a.catalogStatus(ctx, st)
	return &StatusReport{Status: s, Catalog: cs, CatalogErr: cerr}, nil
}

// Export writes the store as Parquet into out.
func (a *App) Export(ctx context.Context, out string) (*store.Export, error) {
	g, err := a.OutputGuard()
	if err != nil {
		return nil, err
	}
	if err := g.CheckDir(out); err != nil {
		return nil, err
	}
	p, err := a.DBPath()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, p, store.ReadOnly, store.ForExport())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.ExportParquet(ctx, out, a.Now())
}

// Query runs an analyst's read-only query. A query DuckDB cannot run is the
// asker's mistake (a UsageError); a refused one says why.
func (a *App) Query(ctx context.Context, query string) (*store.QueryResult, error) {
	st, err := a.OpenReader(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res, err := st.AnalystQuery(ctx, query)
	if err != nil {
		if errors.Is(err, store.ErrQueryRefused) {
			return nil, err
		}
		return nil, &UsageError{Err: err}
	}
	return res, nil
}

// Migrate creates the store or upgrades its schema; it returns the store's
// path and schema version.
func (a *App) Migrate(ctx context.Context) (path string, version int, err error) {
	err = a.WithWriter(ctx, func(st *store.Store) error {
		path = st.Path()
		version, err = st.SchemaVersion(ctx)
		return err
	})
	return path, version, err
}

// GenerateKey writes a new pseudonym key to path, never over a file.
func (a *App) GenerateKey(path string) error { return personnummer.GenerateKey(path) }
