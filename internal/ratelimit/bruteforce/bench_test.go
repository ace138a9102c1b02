package bruteforce

import (
	"strconv"
	"testing"
	"time"
)

// benchGuard is a guard on e's backend with lockouts out of reach, so every
// attempt is admitted and settled.
func benchGuard(b *testing.B, e env) *Guard {
	g, err := New(e.b, Config{MaxFailures: 1 << 30, IPMaxFailures: 1 << 30, Window: time.Minute, Lockout: time.Minute,
		Hold: time.Minute, Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkAttempt is one login's guard work: reserve on the IP and the
// username, then settle (a failure or a success).
func BenchmarkAttempt(b *testing.B) {
	for _, be := range guards {
		for _, o := range []struct {
			name string
			o    Outcome
		}{{"failed", Failed}, {"succeeded", Succeeded}} {
			b.Run(be.name+"/"+o.name, func(b *testing.B) {
				g := benchGuard(b, be.env(b))
				l := Login{IP: "192.0.2.1", Username: "alice"}
				b.ReportAllocs()
				for b.Loop() {
					a, _, err := g.Begin(bgctx, l)
					if err != nil || a == nil {
						b.Fatal(err)
					}
					if err := a.Settle(bgctx, o.o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAttemptParallel is the memory backend under concurrent logins of
// many users (one lock for all of them).
func BenchmarkAttemptParallel(b *testing.B) {
	g := benchGuard(b, memoryEnv(nil))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			a, _, err := g.Begin(bgctx, Login{IP: "192.0.2.1", Username: "user" + strconv.Itoa(i%1000)})
			if err != nil || a == nil {
				b.Fatal(err)
			}
			_ = a.Settle(bgctx, Failed)
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	for _, in := range []string{"alice@example.com", "  ＡＬＩＣＥ@Example.com "} {
		b.Run(strconv.Quote(in), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DefaultNormalization.Canonical(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
