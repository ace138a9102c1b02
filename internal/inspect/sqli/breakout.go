package sqli

// stringBreakout: a short value whose two quotes cut it into an original
// operand, a stretch of SQL and a reopened string: X' <expr> 'Y. Put into a
// string literal, the first quote ends the application's string, the middle
// runs as an expression and the last quote opens a string that the query's
// own closing quote completes: 'A' && 'B', ”-”, 'aa' LIKE '0',
// '1'*column IS \N OR '1'. The same holds with the quotes facing inwards
// (A '&&' B, 'OR'): in a quoted context the value's first quote closes.
// Probe lists send these to find string contexts and operator filters.
//
// Prose cannot take this shape: at most one plain token may stand on each
// side, the middle must hold an operator (a symbol, OR/AND/XOR/NOT, LIKE and
// its kin, IS, BETWEEN, DIV/MOD) and no two plain words side by side, an
// apostrophe (don't) may not lead into a plain word, measures (5' - 6') do not
// count, and a double-quoted middle of words alone ("NOT", "LIKE" STAMP) is a
// search phrase, not an operator.
func (s *scan) stringBreakout() bool {
	q1, q2 := -1, -1
	for i, t := range s.t {
		if t.kind != kQuote {
			continue
		}
		switch {
		case q1 < 0:
			q1 = i
		case q2 < 0:
			q2 = i
		default:
			return false // more quotes: quotations, lists, other rules
		}
	}
	if q2 < 0 || s.t[q1].ch != s.t[q2].ch || !s.shortSide(0, q1) || !s.shortSide(q2+1, len(s.t)) {
		return false
	}
	a, b := s.t[q1], s.t[q2]
	if a.ch == '"' && s.opening(a) && s.closing(b) {
		return false // "*", SMALL "&" SIGN: a quoted search term
	}
	if isDigit(s.byteAt(int(a.start)-1)) && isDigit(s.byteAt(int(b.start)-1)) {
		return false // 5' - 6': feet, not strings
	}
	if q2 == q1+1 {
		// '+' between the quotes ('a'+'b'): string concatenation; the
		// lexer reads a bare '+' as a space, so look at the bytes.
		gap := s.v[a.end:b.start]
		for i := 0; i < len(gap); i++ {
			if gap[i] == '+' {
				return true
			}
		}
		return false
	}
	if s.apostrophe(a) && plain(s.t[q1+1]) {
		return false // don't - won't
	}
	if s.apostrophe(b) && plain(s.t[q2-1]) {
		return false
	}
	return s.breakoutMiddle(q1+1, q2, a.ch)
}

// shortSide: tokens [a, b) are nothing, or one plain word or number,
// perhaps signed: the operand the payload starts from or ends on.
func (s *scan) shortSide(a, b int) bool {
	if a < b && s.t[a].kind == kArith && s.t[a].ch == '-' {
		a++
	}
	return b-a == 0 || (b-a == 1 && plain(s.t[a]))
}

// breakoutMiddle: tokens [a, b) form a short SQL expression with an operator.
func (s *scan) breakoutMiddle(a, b int, quote byte) bool {
	if b-a > 16 {
		return false
	}
	op, symbol := false, false
	for k := a; k < b; k++ {
		t := s.t[k]
		switch t.kind {
		case kArith, kLogic, kCmp:
			symbol = true
			// a hyphen or slash inside a word or date is not an operator:
			// 'en-US', 'and/or', '2024-05-01'
			glued := isWordByte(s.byteAt(int(t.start)-1)) && isWordByte(s.byteAt(int(t.end)))
			op = op || !glued
		case kNum:
			symbol = true
		case kOther:
			if s.v[t.start] != '\\' { // \N is MySQL's NULL
				return false
			}
		case kWord:
			switch t.kw {
			case kwOr, kwAnd, kwNot, kwLike, kwIs, kwBetween, kwDiv:
				op = op || !s.compound(k) // not 'and/or'

			case kwNone:
				if k > a && plain(s.t[k-1]) {
					return false // two plain words: prose
				}
			}
		default:
			return false
		}
	}
	return op && (symbol || quote == '\'')
}

// compound reports whether the word at token k is joined to a neighbour by
// a hyphen or slash with no space (and/or, either-or): part of a word.
func (s *scan) compound(k int) bool {
	t := s.t[k]
	b, a := int(t.start)-1, int(t.end)
	joined := func(c byte) bool { return c == '/' || c == '-' }
	return (joined(s.byteAt(b)) && isWordByte(s.byteAt(b-1))) ||
		(joined(s.byteAt(a)) && isWordByte(s.byteAt(a+1)))
}
