//go:build windows

package personnummer

// ownerOnlyModes is false on Windows, where access is set by ACLs that the
// file mode does not show (Go reports 0666 for every writable file): keep
// the key in a folder only the service account can read (docs/SECURITY.md).
const ownerOnlyModes = false
