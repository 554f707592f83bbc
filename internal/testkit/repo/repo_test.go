package repo

import (
	"os"
	"testing"
)

func TestRootHoldsGoMod(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(Path("go.mod")); err != nil {
		t.Fatalf("Root %s: %v", Root(), err)
	}
}
