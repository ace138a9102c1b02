package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestNoPackageInitIsExpensive: every bulwark command starts every package
// linked into the binary — `bulwark probe` on each container health check,
// `bulwark check` in CI, each CLI call. A package that does real work while
// it initialises makes all of them pay it (oauthserver once made an argon2id
// hash there: 64 MiB and a third of a second before `--help` could answer).
// The runtime's inittrace reports what each package's init allocated; none
// may allocate more than 4 MiB.
func TestNoPackageInitIsExpensive(t *testing.T) {
	cmd := exec.Command(binPath, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bulwark version: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`(?m)^init (\S+) @[0-9.]+ ms, [0-9.]+ ms clock, ([0-9]+) bytes, [0-9]+ allocs$`)
	inits := line.FindAllSubmatch(out, -1)
	if len(inits) < 20 {
		t.Fatalf("inittrace reported %d package inits, want the binary's many (is GODEBUG=inittrace honoured?):\n%s", len(inits), out)
	}
	const limit = 4 << 20
	for _, m := range inits {
		n, _ := strconv.Atoi(string(m[2]))
		if n > limit {
			t.Errorf("package %s allocates %d bytes while it initialises (limit %d): move the work to first use", m[1], n, limit)
		}
	}
}
