package sensitive

// kindSet is a set of kind indexes.
type kindSet uint16

// allKinds has every kind.
const allKinds kindSet = 1<<numKinds - 1

// has reports whether kind index i is in s.
func (s kindSet) has(i int) bool { return s&(1<<i) != 0 }

// secretKinds are the kinds matched anywhere inside a value.
const secretKinds kindSet = 1<<idxPrivateKey | 1<<idxCloudKey | 1<<idxJWT | 1<<idxAPIKey

// Shortest values worth a look: an email "a@b.co" (6) and the shortest secret
// (a Slack token, 15).
const (
	minValueLen  = 6
	minSecretLen = 15
)

// counts are the character counts the pre-filters use.
type counts struct {
	digits, ats int
	dollar      bool
}

// countOf counts b's characters; whitespace is not counted, so the counts of
// a value and of its trimmed form agree.
func countOf(b []byte) counts {
	var n counts
	var dollar uint8
	for _, c := range b {
		cl := byteClass[c]
		n.digits += int(cl & clDigit)
		n.ats += int(cl&clAt) >> 1
		dollar |= cl
	}
	n.dollar = dollar&clDollar != 0
	return n
}

// detect returns the enabled kinds that b matches.
func detect(b []byte, enabled kindSet) kindSet {
	return detectCounted(b, countOf(b), enabled)
}

// detectCounted is detect with b's counts already taken (the JSON scanner
// takes them while it looks for the end of a string): only detectors whose
// shape the counts and length allow run.
func detectCounted(b []byte, cnt counts, enabled kindSet) kindSet {
	if len(b) < minValueLen || enabled == 0 {
		return 0
	}
	var found kindSet
	if enabled&secretKinds != 0 && len(b) >= minSecretLen {
		found |= scanSecrets(b, enabled)
	}
	t := trimSpace(b)
	n := len(t)
	if n < minValueLen {
		return found
	}
	digits, ats, dollars := cnt.digits, cnt.ats, cnt.dollar
	if enabled.has(idxCard) && digits >= 13 && digits <= 19 && n <= 23 && isCard(t) {
		found |= 1 << idxCard
	}
	if enabled.has(idxIBAN) && n >= 15 && n <= 42 && isUpper(t[0]) && isIBAN(t) {
		found |= 1 << idxIBAN
	}
	if enabled.has(idxEmail) && ats == 1 && isEmail(t) {
		found |= 1 << idxEmail
	}
	if enabled.has(idxPhone) && (t[0] == '+' || t[0] == '(') && digits >= 8 && digits <= 15 && isPhone(t) {
		found |= 1 << idxPhone
	}
	if enabled.has(idxSSN) && n == 11 && digits == 9 && isSSN(t) {
		found |= 1 << idxSSN
	}
	if enabled.has(idxPasswordHash) && dollars && isPasswordHash(t) {
		found |= 1 << idxPasswordHash
	}
	return found
}

// trimSpace cuts JSON whitespace from both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isUpper(c) || isLower(c) }

// isWord is a regexp \w character: the boundary of a token.
func isWord(c byte) bool { return isAlnum(c) || c == '_' }

// hasPrefix is bytes.HasPrefix for a string prefix, without a conversion.
func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// run returns how many leading bytes of b satisfy ok.
func run(b []byte, ok func(byte) bool) int {
	for i, c := range b {
		if !ok(c) {
			return i
		}
	}
	return len(b)
}
