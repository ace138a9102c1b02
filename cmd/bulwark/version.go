package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// versionInfo describes the build: the version set at link time (or the
// module version when installed with go install), the VCS revision and time
// the Go toolchain stamped, and the Go version.
func versionInfo() string {
	v, rev, when, dirty := version, "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "bulwark " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "-dirty"
		}
		out += " (" + rev
		if when != "" {
			out += ", " + when
		}
		out += ")"
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func printVersion(stdout io.Writer) int {
	fmt.Fprintln(stdout, versionInfo())
	return 0
}
