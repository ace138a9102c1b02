package sensitive

import (
	"strconv"
	"unicode/utf8"
)

// report records the kinds found in value v, which occupies doc[start:end]
// (quotes included), and replaces it when a kind's action says so.
func (s *scanner) report(found kindSet, v []byte, start, end int) {
	path, havePath := "", false
	redact, redactKinds := 0, 0
	s.found |= found
	for i := range numKinds {
		if !found.has(i) {
			continue
		}
		act := s.acts[i]
		if s.paths && len(s.findings) < MaxFindings {
			if !havePath {
				path, havePath = s.path(), true
			}
			s.findings = append(s.findings, Finding{Kind: kindOf(i), Path: path})
		}
		if act >= Redact {
			if redactKinds == 0 {
				redact = i
			}
			redactKinds++
		}
		if act == Block {
			s.block = true
		}
	}
	if redactKinds == 0 {
		return
	}
	if s.out == nil {
		s.out = make([]byte, 0, len(s.doc)+32)
	}
	if s.restricted {
		s.out = s.appendKept(s.out, s.copied, start)
	} else {
		s.out = append(s.out, s.doc[s.copied:start]...)
	}
	if redactKinds > 1 {
		s.out = append(s.out, '"')
		s.out = append(appendRedacted(s.out, redact), '"')
	} else {
		s.out = appendMask(s.out, redact, trimSpace(v))
	}
	s.copied = end
}

// maxKeyLen caps one member name in a path, so paths stay bounded.
const maxKeyLen = 64

// path renders the position of the current value, e.g. "users[3].card_number".
func (s *scanner) path() string {
	ix := s.ix
	var chain []int // the value and its ancestors below the root, innermost first
	for i := s.cur; ix.Parent(i) >= 0; i = ix.Parent(i) {
		chain = append(chain, i)
	}
	var b []byte
	for j := len(chain) - 1; j >= 0; j-- {
		i := chain[j]
		if !ix.IsMember(i) {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(ix.Position(i)), 10)
			b = append(b, ']')
			continue
		}
		b = appendKey(b, ix.Key(i), j == len(chain)-1)
	}
	return string(b)
}

// appendKey appends one member name: ".name" for [A-Za-z0-9_-] names,
// otherwise a quoted, length-capped ["name"]. A name that is itself a
// sensitive value becomes "[REDACTED]": audit records never carry values.
func appendKey(b, key []byte, first bool) []byte {
	if detect(key, allKinds) != 0 {
		return append(b, "[REDACTED]"...)
	}
	if len(key) > 0 && len(key) <= maxKeyLen && run(key, isKeyChar) == len(key) {
		if !first {
			b = append(b, '.')
		}
		return append(b, key...)
	}
	cut := len(key) > maxKeyLen
	if cut {
		n := maxKeyLen
		for n > 0 && !utf8.RuneStart(key[n]) {
			n--
		}
		key = key[:n]
	}
	b = append(b, '[')
	b = strconv.AppendQuote(b, string(key))
	if cut {
		b = append(b, "..."...)
	}
	return append(b, ']')
}

func isKeyChar(c byte) bool { return isWord(c) || c == '-' }
