package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A store another process holds open for writing (a DuckDB client, or a
// nyckeltal killed mid-write) is ErrStoreBusy: DuckDB says so as an IO error.
func TestStoreHeldByAnotherProcessIsBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.duckdb")
	st, err := Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), "NYCKELTAL_HOLD_STORE="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close() // the helper exits when its stdin closes
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "holding") {
		t.Fatalf("the helper did not open the store: %q, %v", line, err)
	}
	_, err = Open(t.Context(), path, ReadWrite)
	if !errors.Is(err, ErrStoreBusy) {
		t.Fatalf("opening a store another process writes: got %v, want ErrStoreBusy", err)
	}
}

// TestHelperHoldStore is the other process of the test above.
func TestHelperHoldStore(t *testing.T) {
	path := os.Getenv("NYCKELTAL_HOLD_STORE")
	if path == "" {
		t.Skip("a helper process of TestStoreHeldByAnotherProcessIsBusy")
	}
	st, err := Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fmt.Println("holding")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
