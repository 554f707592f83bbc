// Package sqlfiles embeds the SQL of nyckeltal: numbered schema migrations,
// views re-created when their text changes, and analyses for analysts.
//
// The directory is called sql/ because that is where people look for SQL; the
// package name differs so that it does not shadow database/sql.
package sqlfiles

import "embed"

// Migrations holds migrations/NNNN_name.sql, applied in order, once each.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Views holds views/NNN_name.sql: CREATE OR REPLACE statements for views and
// macros, applied in name order after the migrations.
//
//go:embed views/*.sql
var Views embed.FS

// Analyses holds analyses/*.sql: ready-made queries for `nyckeltal sql -f`.
//
//go:embed analyses/*.sql
var Analyses embed.FS

// Queries holds queries/*.sql: the named statements of the store, each block
// introduced by a "-- name: Name" line.
//
//go:embed queries/*.sql
var Queries embed.FS
