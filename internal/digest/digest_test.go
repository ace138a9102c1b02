package digest

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestStringMatchesSum256(t *testing.T) {
	for _, s := range []string{"", "a", strings.Repeat("x", 2047), strings.Repeat("y", 2048), strings.Repeat("z", 2049), strings.Repeat("t", 9000)} {
		if got, want := String(s), sha256.Sum256([]byte(s)); got != want {
			t.Errorf("String(len %d) = %x, want %x", len(s), got, want)
		}
	}
}

func TestStringAllocatesNothing(t *testing.T) {
	tok := strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 30)
	if n := testing.AllocsPerRun(100, func() { _ = String(tok) }); n != 0 {
		t.Errorf("String allocates %v times per call, want 0", n)
	}
}

func BenchmarkString(b *testing.B) {
	tok := strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 30)
	b.ReportAllocs()
	for b.Loop() {
		_ = String(tok)
	}
}
