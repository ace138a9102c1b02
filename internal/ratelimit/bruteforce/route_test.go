package bruteforce

import (
	"strings"
	"testing"
)

func TestForRoute(t *testing.T) {
	zero := loginOptions()
	zero.Window = 0
	good := loginOptions()
	cases := []struct {
		name   string
		o      *Options
		secret []byte
		guard  bool
		err    string
	}{
		{name: "no brute_force section", secret: secret},
		{name: "no section needs no secret"},
		{name: "a login route", o: &good, secret: secret, guard: true},
		{name: "refused options", o: &zero, secret: secret, err: "brute_force"},
		{name: "short secret", o: &good, secret: []byte("short"), err: "brute_force"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := ForRoute(c.o, NewMemoryBackend(), c.secret, nil)
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) || g != nil {
					t.Fatalf("got %v, %v; want an error containing %q", g, err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			case (g != nil) != c.guard:
				t.Fatalf("guard %v, want one: %v", g, c.guard)
			}
		})
	}
}
