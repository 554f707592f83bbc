//go:build !windows

package personnummer

// ownerOnlyModes: the file mode says who can read the key file.
const ownerOnlyModes = true
