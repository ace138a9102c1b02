package hygiene

import (
	"fmt"
	"net/netip"
	"strings"
)

// Trusted is the set of proxy addresses whose forwarding headers are believed.
// The zero value and a nil *Trusted trust nobody.
type Trusted struct {
	prefixes []netip.Prefix
}

// NewTrusted builds a Trusted set from CIDR prefixes ("10.0.0.0/8",
// "2001:db8::/32") and single addresses ("192.0.2.7"). IPv4-mapped IPv6 entries
// are stored as IPv4, since Contains unmaps the addresses it is asked about.
func NewTrusted(cidrs []string) (*Trusted, error) {
	t := &Trusted{prefixes: make([]netip.Prefix, 0, len(cidrs))}
	for i, s := range cidrs {
		p, err := parseTrusted(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %d (%q): %w", i, s, err)
		}
		t.prefixes = append(t.prefixes, p)
	}
	return t, nil
}

func parseTrusted(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("parse address: %w", err)
		}
		a = canonicalAddr(a)
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("parse prefix: %w", err)
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("ipv4-mapped prefix shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Contains reports whether a, unmapped and without zone, is a trusted proxy.
func (t *Trusted) Contains(a netip.Addr) bool {
	if t == nil {
		return false
	}
	a = canonicalAddr(a)
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// canonicalAddr unmaps IPv4-mapped IPv6 and strips the zone, so one host has
// one form in limits, logs and trust decisions.
func canonicalAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}
