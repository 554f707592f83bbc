package cli

import (
	"fmt"
	"io"
)

// output is a command's standard output or error. It writes through and
// keeps the first error; once a write failed it writes nothing more. App.Run
// returns the standard output's error when the command itself succeeded, so
// a lost write is never silent and no single print needs a check of its own
// (as with a bufio.Writer and its Flush).
type output struct {
	w   io.Writer
	err error
}

func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Err is the first write error, nil when every write succeeded.
func (o *output) Err() error {
	if o.err != nil {
		return fmt.Errorf("writing the output: %w", o.err)
	}
	return nil
}
