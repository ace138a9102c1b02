package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo describes the build: the version set at link time (or the
// module version when installed with go install), the VCS revision and time
// the Go toolchain stamped, and the Go version.
func versionInfo() string {
	v, rev, when := buildParts()
	out := "bulwark " + v
	if rev != "" {
		out += " (" + rev
		if when != "" {
			out += ", " + when
		}
		out += ")"
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// buildParts returns the version, the short VCS revision ("-dirty" when the
// tree had changes) and the commit time.
func buildParts() (v, rev, when string) {
	v, dirty := version, false
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
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return v, rev, when
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "print the version, VCS revision, Go version and platform", Args: exactArgs(0),
		Run: func(c *cobra.Command, _ []string) { fmt.Fprintln(c.OutOrStdout(), versionInfo()) }}
}
