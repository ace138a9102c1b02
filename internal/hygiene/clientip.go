package hygiene

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP resolves the client address of a request. The TCP peer (remoteAddr,
// "host:port") is the client unless t trusts it; only then are forwarding headers
// believed, walked right to left: each trusted proxy vouches for the hop before
// it, and the first untrusted address is the client. X-Forwarded-For is used when
// present, otherwise Forwarded (RFC 7239); several lines of a header are one list
// in order. An empty list element is skipped (RFC 9110 §5.6.1); a malformed,
// "unknown" or obfuscated one stops the walk, and the last address believed is
// the client. The result is unmapped from IPv4-mapped IPv6 and has no zone. A
// peer address that does not parse (never the case on TCP listeners) yields the
// unspecified address 0.0.0.0 and no trust. A nil t trusts nobody.
//
// Why right to left: anyone can write any address into these headers; only the
// entries appended by proxies we trust are facts (IP spoofing to dodge limits).
func ClientIP(remoteAddr string, h http.Header, t *Trusted) (client netip.Addr, peerTrusted bool) {
	peer, ok := parsePeer(remoteAddr)
	if !ok {
		return netip.IPv4Unspecified(), false
	}
	if !t.Contains(peer) {
		return peer, false
	}
	if xff := h["X-Forwarded-For"]; len(xff) > 0 {
		return walkXFF(xff, peer, t), true
	}
	if fwd := h["Forwarded"]; len(fwd) > 0 {
		return walkForwarded(fwd, peer, t), true
	}
	return peer, true
}

func parsePeer(remoteAddr string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return canonicalAddr(ap.Addr()), true
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return canonicalAddr(a), true
	}
	return netip.Addr{}, false
}

// walkXFF walks X-Forwarded-For lines right to left from the trusted peer cur.
func walkXFF(lines []string, cur netip.Addr, t *Trusted) netip.Addr {
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for line != "" {
			entry := line
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				entry, line = line[j+1:], line[:j]
			} else {
				line = ""
			}
			entry = strings.Trim(entry, " \t")
			if entry == "" {
				continue
			}
			a, ok := parseXFFEntry(entry)
			if !ok {
				return cur
			}
			if !t.Contains(a) {
				return a
			}
			cur = a
		}
	}
	return cur
}

// parseXFFEntry accepts an address, optionally with a port ("192.0.2.1:80",
// "[2001:db8::1]:80"), as some proxies write them.
func parseXFFEntry(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return canonicalAddr(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return canonicalAddr(ap.Addr()), true
	}
	return netip.Addr{}, false
}

// walkForwarded walks the for= nodes of Forwarded lines right to left from the
// trusted peer cur.
func walkForwarded(lines []string, cur netip.Addr, t *Trusted) netip.Addr {
	var buf [16]string
	hops := buf[:0]
	for _, line := range lines {
		hops = appendForwardedFor(hops, line)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseNode(hops[i])
		if !ok {
			return cur
		}
		if !t.Contains(a) {
			return a
		}
		cur = a
	}
	return cur
}
