package gateway

import (
	"net/http"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

func TestLimitKeyConsumer(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	cfg := config.RateLimit{ID: "api#0", By: []string{"consumer"}}
	cases := []struct {
		name string
		p    *principal.Principal
		want string
		ok   bool
	}{
		{"anonymous: the IP, by the documented rule", nil, "rl:api#0|ip=192.0.2.1", true},
		{"consumer", &principal.Principal{Consumer: "app-1", Subject: "alice"}, "rl:api#0|c=app-1", true},
		{"no consumer: the subject, never the IP", &principal.Principal{Subject: "alice", Issuer: "i"}, "rl:api#0|cs=1:ialice", true},
		{"neither: refused", &principal.Principal{Issuer: "i"}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := limitKey(cfg, &keyParts{ip: "192.0.2.1", route: "GET /", p: c.p, r: r})
			if got != c.want || ok != c.ok {
				t.Errorf("limitKey = %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
}
