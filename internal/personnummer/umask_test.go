//go:build !windows

package personnummer

import "syscall"

func syscallUmask(m int) int { return syscall.Umask(m) }
