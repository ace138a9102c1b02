package hygiene

import (
	"net/http"
	"net/netip"
	"testing"
)

func mustTrusted(t testing.TB, cidrs ...string) *Trusted {
	t.Helper()
	tr, err := NewTrusted(cidrs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestNewTrusted(t *testing.T) {
	tests := []struct {
		name    string
		cidrs   []string
		addr    string
		want    bool
		wantErr bool
	}{
		{"single v4", []string{"192.0.2.7"}, "192.0.2.7", true, false},
		{"single v4 other", []string{"192.0.2.7"}, "192.0.2.8", false, false},
		{"prefix v4", []string{"10.0.0.0/8"}, "10.200.1.1", true, false},
		{"unmasked prefix", []string{"10.1.2.3/8"}, "10.9.9.9", true, false},
		{"prefix v6", []string{"2001:db8::/32"}, "2001:db8:1::1", true, false},
		{"mapped query", []string{"10.0.0.0/8"}, "::ffff:10.0.0.1", true, false},
		{"mapped entry", []string{"::ffff:10.0.0.0/104"}, "10.0.0.1", true, false},
		{"zone query", []string{"fe80::/10"}, "fe80::1%eth0", true, false},
		{"v4 does not match v6", []string{"0.0.0.0/0"}, "2001:db8::1", false, false},
		{"bad entry", []string{"10.0.0.0/8", "nope"}, "", false, true},
		{"bad prefix", []string{"10.0.0.0/33"}, "", false, true},
		{"short mapped prefix", []string{"::ffff:0:0/90"}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := NewTrusted(tt.cidrs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			if got := tr.Contains(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("Contains = %v, want %v", got, tt.want)
			}
		})
	}
	var nilTrusted *Trusted
	if nilTrusted.Contains(netip.MustParseAddr("127.0.0.1")) {
		t.Fatal("nil Trusted trusts")
	}
}

func TestClientIP(t *testing.T) {
	tr := mustTrusted(t, "10.0.0.0/8", "2001:db8:ffff::/48")
	tests := []struct {
		name        string
		remote      string
		xff         []string
		fwd         []string
		want        string
		peerTrusted bool
	}{
		{"untrusted peer", "198.51.100.1:5000", []string{"1.1.1.1"}, nil, "198.51.100.1", false},
		{"no headers", "10.0.0.1:5000", nil, nil, "10.0.0.1", true},
		{"one hop", "10.0.0.1:5000", []string{"1.1.1.1"}, nil, "1.1.1.1", true},
		{"spoofed left entries ignored", "10.0.0.1:5000", []string{"6.6.6.6, 1.1.1.1"}, nil, "1.1.1.1", true},
		{"trusted hops skipped", "10.0.0.1:5000", []string{"1.1.1.1, 10.0.0.2, 10.0.0.3"}, nil, "1.1.1.1", true},
		{"lines concatenated", "10.0.0.1:5000", []string{"6.6.6.6, 1.1.1.1", "10.0.0.2"}, nil, "1.1.1.1", true},
		{"empty elements skipped", "10.0.0.1:5000", []string{" , 1.1.1.1 ,, "}, nil, "1.1.1.1", true},
		{"malformed stops", "10.0.0.1:5000", []string{"1.1.1.1, bogus, 10.0.0.2"}, nil, "10.0.0.2", true},
		{"unknown stops", "10.0.0.1:5000", []string{"unknown"}, nil, "10.0.0.1", true},
		{"entry with port", "10.0.0.1:5000", []string{"1.1.1.1:443"}, nil, "1.1.1.1", true},
		{"v6 entry with port", "10.0.0.1:5000", []string{"[2001:db8::9]:443"}, nil, "2001:db8::9", true},
		{"mapped entry", "10.0.0.1:5000", []string{"::ffff:1.1.1.1"}, nil, "1.1.1.1", true},
		{"zone stripped", "10.0.0.1:5000", []string{"fe80::1%eth0"}, nil, "fe80::1", true},
		{"all trusted", "10.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, nil, "10.0.0.3", true},
		{"mapped peer", "[::ffff:10.0.0.1]:5000", []string{"1.1.1.1"}, nil, "1.1.1.1", true},
		{"v6 peer", "[2001:db8:ffff::1]:443", []string{"1.1.1.1"}, nil, "1.1.1.1", true},
		{"peer without port", "10.0.0.1", []string{"1.1.1.1"}, nil, "1.1.1.1", true},
		{"bad peer", "pipe", []string{"1.1.1.1"}, nil, "0.0.0.0", false},
		{"xff preferred", "10.0.0.1:1", []string{"1.1.1.1"}, []string{"for=2.2.2.2"}, "1.1.1.1", true},
		{"forwarded", "10.0.0.1:1", nil, []string{"for=2.2.2.2"}, "2.2.2.2", true},
		{"forwarded quoted v6 port", "10.0.0.1:1", nil, []string{`for="[2001:db8::1]:443"`}, "2001:db8::1", true},
		{"forwarded case and params", "10.0.0.1:1", nil, []string{`By=10.0.0.1; FOR="192.0.2.60:8080";proto=https`}, "192.0.2.60", true},
		{"forwarded chain", "10.0.0.1:1", nil, []string{`for=6.6.6.6, for=192.0.2.60, for="[2001:db8:ffff::2]"`}, "192.0.2.60", true},
		{"forwarded lines", "10.0.0.1:1", nil, []string{"for=6.6.6.6, for=192.0.2.60", "for=10.0.0.5"}, "192.0.2.60", true},
		{"forwarded hidden stops", "10.0.0.1:1", nil, []string{"for=192.0.2.60, for=_hidden, for=10.0.0.5"}, "10.0.0.5", true},
		{"forwarded unknown stops", "10.0.0.1:1", nil, []string{"for=192.0.2.60, for=unknown"}, "10.0.0.1", true},
		{"forwarded obfuscated port", "10.0.0.1:1", nil, []string{`for="192.0.2.60:_p1"`}, "192.0.2.60", true},
		{"forwarded unquoted v6", "10.0.0.1:1", nil, []string{"for=192.0.2.60, for=2001:db8::1"}, "10.0.0.1", true},
		{"forwarded v6 unbracketed in quotes", "10.0.0.1:1", nil, []string{`for="2001:db8::1"`}, "10.0.0.1", true},
		{"forwarded no for", "10.0.0.1:1", nil, []string{"for=192.0.2.60, proto=https"}, "10.0.0.1", true},
		{"forwarded two for", "10.0.0.1:1", nil, []string{"for=192.0.2.60;for=192.0.2.61"}, "10.0.0.1", true},
		{"forwarded quoted comma resync", "10.0.0.1:1", nil, []string{`for=6.6.6.6, for=192.0.2.60;x="a,b", for=10.0.0.5`}, "192.0.2.60", true},
		{"forwarded garbage then good", "10.0.0.1:1", nil, []string{`for=6.6.6.6, @@@, for=192.0.2.60`}, "192.0.2.60", true},
		{"forwarded unterminated quote", "10.0.0.1:1", nil, []string{`for="192.0.2.60`}, "10.0.0.1", true},
		{"forwarded empty elements", "10.0.0.1:1", nil, []string{` , for=192.0.2.60 ,;, `}, "192.0.2.60", true},
		{"forwarded big port", "10.0.0.1:1", nil, []string{`for="192.0.2.60:70000"`}, "10.0.0.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.xff != nil {
				h["X-Forwarded-For"] = tt.xff
			}
			if tt.fwd != nil {
				h["Forwarded"] = tt.fwd
			}
			got, peerTrusted := ClientIP(tt.remote, h, tr)
			if got != netip.MustParseAddr(tt.want) || peerTrusted != tt.peerTrusted {
				t.Fatalf("ClientIP = %v, %v; want %v, %v", got, peerTrusted, tt.want, tt.peerTrusted)
			}
		})
	}
}

func TestClientIPNilTrusted(t *testing.T) {
	h := http.Header{"X-Forwarded-For": {"1.1.1.1"}}
	got, trusted := ClientIP("127.0.0.1:1", h, nil)
	if got != netip.MustParseAddr("127.0.0.1") || trusted {
		t.Fatalf("got %v %v", got, trusted)
	}
}

// FuzzClientIP checks that any header content yields a valid, canonical address
// without panicking, and that an untrusted peer is always its own client.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:5000", "1.1.1.1, 10.0.0.2", "")
	f.Add("10.0.0.1:5000", "", `for="[2001:db8::1]:443";proto=https, for=_x`)
	f.Add("[::ffff:10.0.0.1]:1", "fe80::1%eth0", `for="a,b`)
	f.Add("192.0.2.1:1", "1.1.1.1", "for=1.1.1.1")
	f.Add("garbage", ",,,", ";;;")
	tr := mustTrusted(f, "10.0.0.0/8", "2001:db8::/32")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		h := http.Header{}
		if xff != "" {
			h["X-Forwarded-For"] = []string{xff, xff}
		}
		if fwd != "" {
			h["Forwarded"] = []string{fwd}
		}
		got, peerTrusted := ClientIP(remote, h, tr)
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("ClientIP(%q, %q, %q) = %v", remote, xff, fwd, got)
		}
		peer, ok := parsePeer(remote)
		if !peerTrusted && ok && got != peer {
			t.Fatalf("untrusted peer %v, client %v", peer, got)
		}
	})
}
