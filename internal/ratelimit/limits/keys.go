package limits

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/digest"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// ClientGroup is the client address a limit counts: IPv6 clients grouped by
// their prefix (a /64 is one subscriber: rotating inside it opens no new bucket).
// text is a.String() when the caller has it already (else ""): an IPv4
// client's group is its address, and the string is not built twice.
func ClientGroup(a netip.Addr, v6prefix int, text string) string {
	if text != "" && a.Is4() {
		return text
	}
	a = a.Unmap()
	if a.Is6() && v6prefix > 0 && v6prefix < 128 {
		if p, err := a.Prefix(v6prefix); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// Key builds a limit's bucket key from canonical values only: the client
// group decided from trusted proxies, the route (not the raw path), the
// authenticated principal. Anonymous callers fall back to their IP for
// principal-based keys (routes whose auth is only none refuse such keys in the
// config). Header and claim values are hashed so a client cannot make keys
// huge. ok is false when an authenticated caller has no consumer to count.
func Key(l RateLimit, x *exchange.Exchange) (key string, ok bool) {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("rl:")
	b.WriteString(l.ID)
	for _, by := range l.By {
		part, ok := keyPart(by, x)
		if !ok {
			return "", false
		}
		b.WriteByte('|')
		b.WriteString(part)
	}
	return b.String(), true
}

// keyPart is one by: item of a key.
func keyPart(by string, x *exchange.Exchange) (string, bool) {
	p := x.Principal
	switch by {
	case "ip":
		return x.ClientGroup, true
	case "route":
		return x.Route, true
	case "consumer":
		if p != nil { // principal.ConsumerKey defines the consumer; never the IP
			return p.ConsumerKey()
		}
	case "subject":
		if p != nil && p.Subject != "" {
			return "s=" + p.Subject, true
		}
	case "api_key":
		if p != nil && p.Method == principal.MethodAPIKey {
			return "k=" + p.CredentialID, true
		}
	default:
		kind, name, _ := strings.Cut(by, ":")
		switch kind {
		case "header":
			return "h=" + shortHash(x.Req.Header.Get(name)), true
		case "claim":
			if p != nil {
				if v, ok := p.Claims[name]; ok {
					return "cl=" + shortHash(fmt.Sprint(v)), true
				}
			}
		}
	}
	return "ip=" + x.ClientGroup, true
}

func shortHash(s string) string {
	sum := digest.String(s)
	return hex.EncodeToString(sum[:12])
}
