//go:build windows

package store

import (
	"errors"
	"syscall"
)

// fileInUse reports whether err is Windows refusing to replace a file that
// another program holds open (DuckDB opens files without FILE_SHARE_DELETE).
func fileInUse(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case 5, // ERROR_ACCESS_DENIED: the target is open
		32, // ERROR_SHARING_VIOLATION
		33: // ERROR_LOCK_VIOLATION
		return true
	}
	return false
}
