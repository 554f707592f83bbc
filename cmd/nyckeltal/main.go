// Command nyckeltal fetches Kolada key figures and local indicators into one
// DuckDB file. See `nyckeltal --help`.
package main

import (
	"os"
	_ "time/tzdata" // Europe/Stockholm on machines without a time-zone database (Windows)

	"github.com/nyckeltal/nyckeltal/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
