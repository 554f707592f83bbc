package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrViewsOutdated means the file's views and macros were created by another
// nyckeltal version; a writing command (`nyckeltal migrate`) re-creates them.
var ErrViewsOutdated = errors.New("the store's views are not those of this nyckeltal")

// CheckViews tells a read-only command whether the views it is about to use
// are this binary's: views are re-created only by writers, so after an
// upgrade a reader could otherwise meet an old macro's signature.
func (s *Store) CheckViews(ctx context.Context) error {
	text, err := viewsText()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(text))
	var current sql.NullString
	err = s.db.QueryRowContext(ctx, query("ViewsChecksum")).Scan(&current)
	if err != nil {
		return fmt.Errorf("reading views checksum: %w", err)
	}
	if current.String != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("%w: run `nyckeltal migrate` (or any ingest) once to re-create them", ErrViewsOutdated)
	}
	return nil
}
