//go:build !linux

package inbox

import (
	"os"
	"time"
)

// heldForWriting cannot tell on this system which files other programs
// hold open: the settle time and the format's end have to tell.
func heldForWriting(files []os.FileInfo) []bool { return make([]bool, len(files)) }

// changed is the file's modification time.
func changed(fi os.FileInfo) time.Time { return fi.ModTime() }
