//go:build windows

package personnummer

func syscallUmask(m int) int { return m }
