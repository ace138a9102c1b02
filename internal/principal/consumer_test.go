package principal

import "testing"

func TestConsumerKey(t *testing.T) {
	cases := []struct {
		name string
		p    *Principal
		want string
		ok   bool
	}{
		{"anonymous", nil, "", false},
		{"api key", &Principal{Consumer: "shop-app", Subject: "alice", Method: MethodAPIKey}, "c=shop-app", true},
		{"jwt with a client", &Principal{Consumer: "app-1", Subject: "alice", Issuer: "https://idp/", Method: MethodJWT}, "c=app-1", true},
		{"jwt without a client", &Principal{Subject: "alice", Issuer: "https://idp/", Method: MethodJWT}, "cs=12:https://idp/alice", true},
		{"neither", &Principal{Issuer: "https://idp/", Method: MethodJWT}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.p.ConsumerKey()
			if got != c.want || ok != c.ok {
				t.Errorf("ConsumerKey = %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
	// A subject never lands in a consumer's bucket, nor one issuer's
	// subject in another's.
	a, _ := (&Principal{Subject: "c=app-1"}).ConsumerKey()
	b, _ := (&Principal{Consumer: "app-1"}).ConsumerKey()
	x, _ := (&Principal{Issuer: "ab", Subject: "c"}).ConsumerKey()
	y, _ := (&Principal{Issuer: "a", Subject: "bc"}).ConsumerKey()
	if a == b || x == y {
		t.Errorf("keys collide: %q %q / %q %q", a, b, x, y)
	}
}
