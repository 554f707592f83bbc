// Package archtest holds the test that keeps nyckeltal's imports pointing
// down (see the README's layout): commands → application → connectors and
// transforms → store → SQL, with small libraries at the bottom. It has no
// code of its own.
package archtest
