//go:build !windows

package cli

import "syscall"

func setUmask(m int) int { return syscall.Umask(m) }
