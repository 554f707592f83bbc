// Package version reports the version of the nyckeltal binary.
package version

import "runtime/debug"

// Version is set at build time with -ldflags "-X .../internal/version.Version=v1.2.3".
var Version = ""

// String returns the build version, falling back to the module version or "dev".
func String() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// UserAgent is sent with every HTTP request so that API operators can see who calls.
func UserAgent() string {
	return "nyckeltal/" + String() + " (+https://github.com/nyckeltal/nyckeltal)"
}
