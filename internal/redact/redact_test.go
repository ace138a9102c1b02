package redact

import (
	"strings"
	"testing"
)

const (
	key = "bwk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ0123456789abcdeF"
	jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"
)

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"clean", "/orders/42", "/orders/42"},
		{"key segment", "/keys/" + key + "/x", "/keys/bwk_AbCdEfGhIjKl_[masked]/x"},
		{"key alone", key, "bwk_AbCdEfGhIjKl_[masked]"},
		{"key glued to a word", "/xbwk_" + key[4:], "/xbwk_AbCdEfGhIjKl_[masked]"},
		{"truncated key keeps nothing of its secret", "/k/bwk_AbCdEfGhIj", "/k/bwk_[masked]"},
		{"short lookalike kept", "/docs/bwk_notes", "/docs/bwk_notes"},
		{"jwt segment", "/verify/" + jwt + "/done", "/verify/[masked]/done"},
		{"jwe five parts", "/t/" + jwt + ".YWFh.YmJi", "/t/[masked]"},
		{"two of each", "/" + key + "/" + jwt + "/" + key + "/" + jwt, "/bwk_AbCdEfGhIjKl_[masked]/[masked]/bwk_AbCdEfGhIjKl_[masked]/[masked]"},
		{"eyJ without dots kept", "/eyJhbGciOiJSUzI1NiJ9", "/eyJhbGciOiJSUzI1NiJ9"},
		{"short dotted kept", "/eyJa.b.c", "/eyJa.b.c"},
		{"query style", "a=1&t=" + jwt + "&k=" + key, "a=1&t=[masked]&k=bwk_AbCdEfGhIjKl_[masked]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Mask(tc.in)
			if got != tc.want {
				t.Fatalf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.Contains(got, "0123456789abcdefghij") || strings.Contains(got, "c2lnbmF0dXJl") {
				t.Fatalf("secret left in %q", got)
			}
			if Contains(tc.in) != (got != tc.in) {
				t.Fatalf("Contains(%q) = %v, but Mask changed it: %v", tc.in, Contains(tc.in), got != tc.in)
			}
		})
	}
}

func TestHasKey(t *testing.T) {
	for in, want := range map[string]bool{
		"/k/" + key: true, "/k/bwk_12345678": true, "/k/bwk_1234567": false, "/docs/bwk_": false,
		"/k/bwk_x/bwk_AbCdEfGhIjKl": true, "/orders/1": false, "/k/BWK_AbCdEfGhIjKl": false,
	} {
		if got := HasKey(in); got != want {
			t.Errorf("HasKey(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"/orders/1", "/k/" + key, jwt, "bwk_bwk_bwk_12345678", "eyJ.eyJ..eyJ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		if Contains(m) && !strings.Contains(m, Masked) {
			t.Fatalf("Mask(%q) = %q still holds a credential shape", s, m)
		}
		if !Contains(s) && m != s {
			t.Fatalf("Mask changed clean %q to %q", s, m)
		}
	})
}

// BenchmarkMask: a clean path costs two substring searches and no allocation.
func BenchmarkMask(b *testing.B) {
	for _, bc := range []struct{ name, in string }{{"clean", "/users/42/orders/1001"}, {"key", "/keys/" + key}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Mask(bc.in)
			}
		})
	}
}

func TestMaskRecorded(t *testing.T) {
	esc := strings.NewReplacer("b", "%62", "_", "%5F")
	tests := []struct{ name, in, want string }{
		{"clean with escapes", "/a%20b/%2e%2e", "/a%20b/%2e%2e"},
		{"plain key", "/k/" + key, "/k/bwk_AbCdEfGhIjKl_[masked]"},
		{"escaped key", "/k/" + esc.Replace(key[:5]) + key[5:], "/k/bwk_AbCdEfGhIjKl_[masked]"},
		{"double-escaped key", "/k/%2562wk_" + key[4:], "/k/bwk_AbCdEfGhIjKl_[masked]"},
		{"escaped jwt", "/t/%65yJ" + jwt[3:], "/t/[masked]"},
		{"bad escape kept", "/x/%zz%6", "/x/%zz%6"},
	}
	for _, tc := range tests {
		if got := MaskRecorded(tc.in); got != tc.want {
			t.Errorf("%s: MaskRecorded(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
