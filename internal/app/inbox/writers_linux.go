//go:build linux

package inbox

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// heldForWriting tells, for each of files, whether another process holds it
// open for writing, as far as /proc shows: the processes of other users are
// hidden unless nyckeltal runs as root, and a file written over a network
// share is held by the server's process, if by any. Best effort: a file it
// misses is still caught by the settle time and its format's end.
func heldForWriting(files []os.FileInfo) []bool {
	out := make([]bool, len(files))
	if len(files) == 0 {
		return out
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := strconv.Itoa(os.Getpid())
	for _, p := range procs {
		pid := p.Name()
		if pid == self || pid[0] < '0' || pid[0] > '9' {
			continue
		}
		dir := filepath.Join("/proc", pid, "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // gone, or another user's
		}
		for _, fd := range fds {
			fi, err := os.Stat(filepath.Join(dir, fd.Name()))
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			for i, f := range files {
				if !out[i] && os.SameFile(f, fi) && openForWriting(pid, fd.Name()) {
					out[i] = true
				}
			}
		}
	}
	return out
}

// openForWriting reads the access mode of a file descriptor from
// /proc/PID/fdinfo/FD.
func openForWriting(pid, fd string) bool {
	f, err := os.Open(filepath.Join("/proc", pid, "fdinfo", fd))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("flags:")); ok {
			flags, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 64)
			return err == nil && flags&(syscall.O_WRONLY|syscall.O_RDWR) != 0
		}
	}
	return false
}

// changed is the latest of a file's modification time and its status
// change time: a copy that keeps the source's modification time still
// changes the status change time with every write.
func changed(fi os.FileInfo) time.Time {
	t := fi.ModTime()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if c := time.Unix(st.Ctim.Sec, st.Ctim.Nsec); c.After(t) {
			t = c
		}
	}
	return t
}
