package audit

import (
	"strings"
	"testing"
)

func TestRawPath(t *testing.T) {
	if got := RawPath("/a/%2e%2e/b"); got != "/a/%2e%2e/b" {
		t.Fatalf("short path changed: %q", got)
	}
	long := "/" + strings.Repeat("x", 1000)
	if got := RawPath(long); got != long[:maxRawPath]+"…" {
		t.Fatalf("long path kept %d bytes", len(got))
	}
	if got := RawPath(long[:maxRawPath]); got != long[:maxRawPath] {
		t.Fatal("a path of exactly the bound is not truncated")
	}
}
