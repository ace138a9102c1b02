package sensitive

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// scanSecrets looks for credentials anywhere in b: they travel embedded in
// larger strings ("Bearer eyJ…", "key=AKIA…", PEM blocks with headers). One
// pass looks at token starts only; each candidate is confirmed by its shape.
func scanSecrets(b []byte, enabled kindSet) kindSet {
	var found kindSet
	prevWord := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		cl := byteClass[c]
		if cl&clSecretStart == 0 || (prevWord && c != '-') {
			prevWord = cl&clWord != 0
			continue // not at a token start
		}
		prevWord = cl&clWord != 0
		if i+1 == len(b) {
			break
		}
		var k int
		end := 0
		switch next := b[i+1]; {
		case c == '-' && next == '-':
			k, end = idxPrivateKey, matchPEM(b[i:])
		case c == 'A' && (next == 'K' || next == 'S' || next == 'I'):
			k, end = idxCloudKey, matchCloudKey(b[i:])
		case c == 'e' && next == 'y':
			k, end = idxJWT, matchJWT(b[i:])
		case (c == 'g' && (next == 'h' || next == 'i')) || (c == 'x' && next == 'o') ||
			((c == 's' || c == 'r') && next == 'k') || (c == 'b' && next == 'w'):
			k, end = idxAPIKey, matchAPIKey(b[i:])
		default:
			continue // the second byte rules out every prefix
		}
		if end > 0 && enabled.has(k) {
			found |= 1 << k
			i += end - 1
			prevWord = byteClass[b[i]]&clWord != 0
		}
	}
	return found
}

// matchPEM matches a PEM header whose label names a private key
// ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----");
// the body need not follow, a truncated key still leaks.
func matchPEM(b []byte) int {
	const begin = "-----BEGIN "
	if !hasPrefix(b, begin) {
		return 0
	}
	rest := b[len(begin):]
	end := bytes.Index(rest, []byte("-----"))
	if end < 0 || end > 64 {
		return 0
	}
	label := rest[:end]
	if !bytes.HasSuffix(label, []byte("PRIVATE KEY")) {
		return 0
	}
	return len(begin) + end + 5
}

// matchCloudKey matches an AWS access key id (AKIA long-term, ASIA temporary,
// then 16 base32 characters) or a Google API key (AIza + 35 of [A-Za-z0-9_-]).
func matchCloudKey(b []byte) int {
	switch {
	case hasPrefix(b, "AKIA") || hasPrefix(b, "ASIA"):
		if run(b[4:], isBase32Upper) == 16 && !boundaryWord(b, 20) {
			return 20
		}
	case hasPrefix(b, "AIza"):
		if run(b[4:], isBase64URL) == 35 {
			return 39
		}
	}
	return 0
}

// matchAPIKey matches vendor tokens with a registered prefix: GitHub, Slack,
// Stripe live keys and Bulwark's own keys.
func matchAPIKey(b []byte) int {
	switch {
	case hasPrefix(b, "gh") && len(b) > 3 && b[3] == '_' && bytes.IndexByte([]byte("pousr"), b[2]) >= 0:
		if run(b[4:], isAlnum) == 36 && !boundaryWord(b, 40) {
			return 40
		}
	case hasPrefix(b, "github_pat_"):
		if n := run(b[11:], isWord); n >= 40 && n <= 255 {
			return 11 + n
		}
	case hasPrefix(b, "xox") && len(b) > 4 && b[4] == '-' && bytes.IndexByte([]byte("baprs"), b[3]) >= 0:
		if n := run(b[5:], isSlack); n >= 10 {
			return 5 + n
		}
	case hasPrefix(b, "sk_live_") || hasPrefix(b, "rk_live_"):
		if n := run(b[8:], isAlnum); n >= 24 && !boundaryWord(b, 8+n) {
			return 8 + n
		}
	case hasPrefix(b, "bwk_"):
		if run(b[4:], isAlnum) == 12 && len(b) > 16 && b[16] == '_' &&
			run(b[17:], isAlnum) == 49 && !boundaryWord(b, 66) {
			return 66
		}
	}
	return 0
}

// matchJWT matches header.payload.signature in base64url whose header
// decodes to a JSON object with an "alg" member. The signature may be empty
// (alg "none"): the claims are exposed all the same.
func matchJWT(b []byte) int {
	if !hasPrefix(b, "eyJ") {
		return 0
	}
	h := run(b, isBase64URL)
	if h >= len(b) || b[h] != '.' || h > 2048 {
		return 0
	}
	p := run(b[h+1:], isBase64URL)
	if p == 0 || h+1+p >= len(b) || b[h+1+p] != '.' {
		return 0
	}
	end := h + 1 + p + 1
	end += run(b[end:], isBase64URL)
	if !jwtHeader(b[:h]) {
		return 0
	}
	return end
}

// jwtHeader reports whether seg is base64url of a JSON object with "alg".
func jwtHeader(seg []byte) bool {
	var buf [1536]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], seg)
	if err != nil {
		return false
	}
	var hdr struct {
		Alg *string `json:"alg"`
	}
	return json.Unmarshal(buf[:n], &hdr) == nil && hdr.Alg != nil && *hdr.Alg != ""
}

// boundaryWord reports whether b continues with a word character at i, which
// means the candidate is part of a longer token.
func boundaryWord(b []byte, i int) bool { return i < len(b) && isWord(b[i]) }

func isBase32Upper(c byte) bool { return isUpper(c) || (c >= '2' && c <= '7') }
func isBase64URL(c byte) bool   { return isAlnum(c) || c == '-' || c == '_' }
func isSlack(c byte) bool       { return isAlnum(c) || c == '-' }
