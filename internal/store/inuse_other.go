//go:build !windows

package store

// fileInUse reports whether err is a program holding the published file
// open so that it cannot be replaced: only Windows refuses that; elsewhere
// a rename replaces a file whoever has it open.
func fileInUse(error) bool { return false }
