//go:build windows

package cli

func setUmask(m int) int { return m }
