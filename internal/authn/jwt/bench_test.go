package jwt

import (
	"context"
	"testing"
)

// BenchmarkCachedToken measures a token seen before: hash plus map lookup.
func BenchmarkCachedToken(b *testing.B) {
	f := newFixture(b, nil)
	r := request(f.token(b, "RS256", "rsa1", claims(issJWKS, f.clock.Now(), nil)))
	if _, err := f.auth.Authenticate(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.auth.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkVerify(b *testing.B, alg, kid string) {
	f := newFixture(b, nil)
	tok := f.token(b, alg, kid, claims(issJWKS, f.clock.Now(), nil))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := f.auth.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRS256 measures a full, uncached RS256 verification.
func BenchmarkVerifyRS256(b *testing.B) { benchmarkVerify(b, "RS256", "rsa1") }

// BenchmarkVerifyES256 measures a full, uncached ES256 verification.
func BenchmarkVerifyES256(b *testing.B) { benchmarkVerify(b, "ES256", "ec1") }
