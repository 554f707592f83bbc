// Package nyckeltal holds files of the repository root that the binary ships.
package nyckeltal

import _ "embed"

// ExampleConfig is nyckeltal.example.toml, printed by `nyckeltal config example`.
//
//go:embed nyckeltal.example.toml
var ExampleConfig string
