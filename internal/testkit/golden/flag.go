package golden

import "flag"

// testingFlag registers -update once, for every package that uses golden.
func testingFlag() *bool {
	return flag.Bool("update", false, "rewrite golden files in testdata/")
}
