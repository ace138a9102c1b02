package hygiene

import (
	"strings"
	"testing"
)

func TestEndToEndClientIP(t *testing.T) {
	none, err := NewTrusted([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := NewTrusted([]string{"127.0.0.1", "10.0.0.0/8", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	untrustedPeer := hygieneServer(t, DefaultLimits(), none)
	trustedPeer := hygieneServer(t, DefaultLimits(), chain)
	tests := []struct {
		name    string
		trusted bool
		headers string
		want    string
	}{
		{"spoofed XFF from untrusted peer", false, "X-Forwarded-For: 203.0.113.9\r\n", "127.0.0.1"},
		{"spoofed Forwarded from untrusted peer", false, "Forwarded: for=203.0.113.9\r\n", "127.0.0.1"},
		{"trusted chain walked", true, "X-Forwarded-For: 6.6.6.6, 198.51.100.7, 10.1.2.3\r\n", "198.51.100.7"},
		{"XFF lines concatenated", true, "X-Forwarded-For: 6.6.6.6, 198.51.100.7\r\nX-Forwarded-For: 10.0.0.1\r\n", "198.51.100.7"},
		{"all trusted", true, "X-Forwarded-For: 10.0.0.2, 10.0.0.1\r\n", "10.0.0.2"},
		{"malformed XFF stops walk", true, "X-Forwarded-For: 6.6.6.6, garbage, 10.0.0.1\r\n", "10.0.0.1"},
		{"Forwarded quoted IPv6 with port", true, `Forwarded: for=6.6.6.6, for="[2001:db8::1]:443"` + "\r\n", "2001:db8::1"},
		{"Forwarded chain", true, `Forwarded: for=198.51.100.7;proto=https, for="[2001:db8:ffff::5]";by=_gw` + "\r\n", "198.51.100.7"},
		{"Forwarded obfuscated stops", true, "Forwarded: for=6.6.6.6, for=_hidden, for=10.0.0.9\r\n", "10.0.0.9"},
		{"Forwarded unknown stops", true, "Forwarded: for=6.6.6.6, for=unknown\r\n", "127.0.0.1"},
		{"mapped IPv6 unmapped", true, `Forwarded: for="[::ffff:198.51.100.7]"` + "\r\n", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := untrustedPeer
			if tt.trusted {
				srv = trustedPeer
			}
			resp, body := exchange(t, srv, "GET / HTTP/1.1\r\nHost: x\r\n"+tt.headers+"\r\n")
			want := "OK " + tt.want + " 0"
			if resp.StatusCode != 200 || body != want {
				t.Fatalf("got %d %q, want %q", resp.StatusCode, body, want)
			}
		})
	}
}

func TestEndToEndRequestID(t *testing.T) {
	trusted, err := NewTrusted([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted *Trusted
		keep    bool
	}{
		{"untrusted peer gets a new id", nil, false},
		{"trusted peer's id kept", trusted, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hygieneServer(t, DefaultLimits(), tt.trusted)
			resp, _ := exchange(t, srv, "GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: upstream-123\r\n\r\n")
			got := resp.Header.Get("X-Request-Id")
			if (got == "upstream-123") != tt.keep || got == "" || strings.ContainsAny(got, " \r\n") {
				t.Fatalf("X-Request-Id = %q, keep = %v", got, tt.keep)
			}
		})
	}
}
