package sensitive

// Byte classes for the hot loops: one table load per byte instead of a chain
// of comparisons.
const (
	clDigit       = 1 << iota // 0-9
	clAt                      // @
	clDollar                  // $
	clWord                    // [A-Za-z0-9_], a regexp \w
	clSecretStart             // first byte of a secret prefix: - A e g x s r b
	clLocal                   // an email local part's byte: [A-Za-z0-9._%+-]
	clLDH                     // a domain label's byte: [A-Za-z0-9-]
	clAlpha                   // [A-Za-z]
)

// byteClass is an immutable table built once; nothing writes to it afterwards.
var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		b := byte(c)
		if isDigit(b) {
			t[c] |= clDigit
		}
		if isWord(b) {
			t[c] |= clWord
		}
	}
	for c := range 256 {
		b := byte(c)
		if isAlnum(b) {
			t[c] |= clLocal | clLDH
		}
		if isUpper(b) || isLower(b) {
			t[c] |= clAlpha
		}
	}
	for _, b := range []byte("._%+-") {
		t[b] |= clLocal
	}
	t['-'] |= clLDH
	t['@'] |= clAt
	t['$'] |= clDollar
	for _, b := range []byte("-Aegxsrb") {
		t[b] |= clSecretStart
	}
	return t
}()
