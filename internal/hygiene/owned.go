package hygiene

import (
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Owned knows the request headers the gateway owns: the ones it sets for the
// upstream (principal headers, X-Request-Id, X-Forwarded-*) and the ones that
// claim a client identity only the gateway may decide (Forwarded, X-Real-IP and
// kin). A client's copy of an owned header, in any spelling a backend could read
// as the same header, never reaches the upstream.
//
// Names are compared normalised: ASCII letters lower-cased and every byte that
// is not a letter or digit read as '-'. That is how CGI and the stacks built on
// it (PHP, WSGI, Rack, many Node and Java setups) map a header to a variable —
// HTTP_X_BULWARK_SUBJECT is reached by X-Bulwark-Subject, X_Bulwark_Subject and
// X.Bulwark.Subject alike. A name with a space, tab or colon inside is not a
// valid field name: Go's server refuses the request before the gateway runs.
type Owned struct {
	exact    []string  // normalised names stripped in every spelling
	prefixes []string  // normalised namespaces stripped in every spelling
	variants []string  // normalised names whose non-canonical spellings are stripped
	canon    []string  // canonical form of variants[i]
	lens     [4]uint64 // bit n set: some exact or variant name has length n (< 256)
	// keep lists the canonical owned names the gateway sets before the proxy:
	// they are set again after hop-by-hop processing (see proxy.RequestInfo.Keep).
	keep []string
}

// ownedFixed are owned in every configuration. X-Request-Id is set by the
// gateway; the others claim a client address or host, which only the gateway
// decides (from trusted proxies only). Proxy is never a real request header:
// CGI maps it to HTTP_PROXY, which HTTP clients read as their proxy (httpoxy,
// CVE-2016-5385).
var ownedFixed = []string{
	"X-Request-Id", "Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "Client-Ip",
	"X-Cluster-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip", "X-Originating-Ip",
	"X-Remote-Ip", "X-Remote-Addr", "X-Host", "X-Original-Host", "Proxy",
}

// ownedPrefixes are namespaces the gateway owns whole: its own and the
// de-facto forwarding family (X-Forwarded-For, -Proto, -Host, -Port, -Server…).
var ownedPrefixes = []string{"X-Bulwark-", "X-Forwarded-"}

// NewOwned returns the owned set for a configuration. set are the names of the
// headers the gateway itself sets on the way to the upstream besides
// X-Request-Id (the principal headers). credentials are the headers that carry
// credentials (Authorization, the API-key header): their canonical spelling is
// the credential check's business, but any other spelling is stripped, so a
// backend never reads a credential the gateway did not see.
func NewOwned(set, credentials []string) *Owned {
	o := &Owned{keep: []string{"X-Request-Id"}}
	for _, n := range ownedFixed {
		o.exact = append(o.exact, normalName(n))
	}
	for _, n := range set {
		o.exact = append(o.exact, normalName(n))
		o.keep = append(o.keep, http.CanonicalHeaderKey(n))
	}
	for _, n := range ownedPrefixes {
		o.prefixes = append(o.prefixes, normalName(n))
	}
	for _, n := range credentials {
		o.variants = append(o.variants, normalName(n))
		o.canon = append(o.canon, http.CanonicalHeaderKey(n))
	}
	for _, n := range append(o.exact, o.variants...) {
		if len(n) < 256 {
			o.lens[len(n)/64] |= 1 << (len(n) % 64)
		}
	}
	return o
}

// Keep returns the canonical names of the owned headers the gateway sets on the
// request before handing it to the proxy. The slice must not be modified.
func (o *Owned) Keep() []string { return o.keep }

// Clean refuses a request whose Connection header names an owned header (400
// "owned_header_in_connection"): a proxy removes the fields its Connection header
// lists (RFC 9110 §7.6.1), so such a request asks the gateway to drop its own
// headers, and no client has a legitimate reason to. Otherwise it deletes every
// client-sent owned header in any spelling, and every non-canonical spelling of a
// credential header. It allocates nothing.
func (o *Owned) Clean(h http.Header) *httperr.Problem {
	for _, v := range h["Connection"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if tok = strings.Trim(tok, " \t"); tok != "" && o.owned(tok) {
				return httperr.New(http.StatusBadRequest, "owned_header_in_connection",
					"The Connection header names a header only the gateway may set.")
			}
		}
	}
	for k := range h {
		if o.owned(k) || (o.maybe(k) && o.variant(k)) {
			delete(h, k)
		}
	}
	return nil
}

// maybe reports whether some exact or variant name has name's length: most
// headers are ruled out by one bit test.
func (o *Owned) maybe(name string) bool {
	n := len(name)
	return n < 256 && o.lens[n/64]&(1<<(n%64)) != 0
}

// owned reports whether name is an owned header in any spelling.
func (o *Owned) owned(name string) bool {
	for _, p := range o.prefixes {
		if len(name) > len(p) && normalEqual(name[:len(p)], p) {
			return true
		}
	}
	if !o.maybe(name) {
		return false
	}
	for _, n := range o.exact {
		if normalEqual(name, n) {
			return true
		}
	}
	return false
}

// variant reports whether k (a header map key) spells a credential header other
// than canonically.
func (o *Owned) variant(k string) bool {
	for i, n := range o.variants {
		if k != o.canon[i] && normalEqual(k, n) {
			return true
		}
	}
	return false
}

// normalByte maps one header-name byte the way CGI maps it to a variable name
// (lower case here, upper case there): letters and digits stay, the rest is '-'.
func normalByte(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + ('a' - 'A')
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return c
	}
	return '-'
}

// normalEqual reports whether name normalised equals norm (already normalised).
func normalEqual(name, norm string) bool {
	if len(name) != len(norm) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if normalByte(name[i]) != norm[i] {
			return false
		}
	}
	return true
}

func normalName(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = normalByte(c)
	}
	return string(b)
}

// CleanRequest is the cleaning the identity stage asks for before it reads a
// credential (authn.Cleaner): Clean, then StripOverrides with keepOverrides.
func (o *Owned) CleanRequest(h http.Header, keepOverrides []string) *httperr.Problem {
	if p := o.Clean(h); p != nil {
		return p
	}
	StripOverrides(h, keepOverrides)
	return nil
}
