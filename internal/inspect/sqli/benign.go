package sqli

// libinjection parses a value three ways (as is, and as if it were inside a
// single- or double-quoted string) and flags any token pattern on its list.
// That makes it fire on some ordinary text: quoted search terms ("LIKE"
// STAMP, CHRISTMAS STOCKING "NOT" STUFFER), percentages joined by AND, ids
// and consent strings that end in dashes (1---, abc123--), URLs and HTML
// carrying quotes. benign recognises those shapes so that a libinjection hit
// on them is dropped. It is consulted only when no structural rule fired,
// and each shape excludes what SQL needs: comparisons, parentheses,
// comments that cut real SQL, broken-out quotes.
func (s *scan) benign() bool {
	return s.inert() || s.urlShaped() || s.decoratedID() || s.naturalText() || s.wholeQuery() || s.inequalities()
}

// inert: no SQL word and no operator that can form a condition, call,
// statement or comment. Quotes and arithmetic alone (DK'*”, A '-' B)
// change nothing in a query.
func (s *scan) inert() bool {
	for _, t := range s.t {
		switch t.kind {
		case kWord:
			if t.kw != kwNone {
				return false
			}
		case kCmp, kLogic, kLParen, kRParen, kSemi, kComment, kVar:
			return false
		}
	}
	return true
}

// wholeQuery: the value is one complete SELECT ... FROM ... statement and
// nothing else: no comment or ';' cutting the query it lands in, no quote
// left open, no UNION, no system catalog, variable or dangerous primitive,
// no dangling clause. That is a query field of a reporting API (SQL by
// design), which a route allows or forbids by policy; it breaks out of
// nothing.
func (s *scan) wholeQuery() bool {
	if len(s.t) < 4 || !s.is(0, kwSelect) {
		return false
	}
	from, quotes := false, 0
	for _, t := range s.t {
		switch t.kind {
		case kComment, kSemi, kVar:
			return false
		case kQuote:
			quotes++
		case kWord:
			switch t.kw {
			case kwFrom:
				from = true
			case kwUnion, kwDanger, kwSysProc, kwSchema, kwCatalog, kwInto:
				return false
			}
		}
	}
	last := s.t[len(s.t)-1]
	switch last.kind {
	case kWord:
		if last.kw != kwNone {
			return false
		}
	case kNum, kQuote, kRParen:
	default:
		return false
	}
	return from && quotes%2 == 0
}

// urlShaped: a path or absolute URL without spaces (/search?q="x", https://h/p).
// Its query part is data for a link, and a SQL payload inside it is still
// seen by the structural rules.
func (s *scan) urlShaped() bool {
	v := s.v
	for i := 0; i < len(v); i++ {
		if isSpace(v[i]) || v[i] == 0xA0 {
			return false
		}
	}
	if len(v) > 1 && v[0] == '/' && (isWordByte(v[1]) || isDigit(v[1])) {
		return true
	}
	for i := 0; i < len(v) && i < 10; i++ {
		c := v[i] | 0x20
		if c >= 'a' && c <= 'z' {
			continue
		}
		return i > 1 && len(v) > i+3 && v[i:i+3] == "://"
	}
	return false
}

// decoratedID: words, numbers and - / , . separators, then a comment marker
// with no line break after it: 1---, 1,1--, AbC123--, x/*. Nothing before the
// marker is SQL, so there is nothing for the comment to cut.
func (s *scan) decoratedID() bool {
	c := -1
	for i, t := range s.t {
		if t.kind == kComment {
			c = i
			break
		}
		switch t.kind {
		case kNum, kComma, kDot:
		case kWord:
			if t.kw != kwNone {
				return false
			}
		case kArith:
			if t.ch != '-' && t.ch != '/' {
				return false
			}
		default:
			return false
		}
	}
	if c < 1 {
		return false
	}
	for i := int(s.t[c].start); i < len(s.v); i++ {
		if s.v[i] == '\n' || s.v[i] == '\r' {
			return false
		}
	}
	return true
}

// naturalText: text whose quotes are all natural-language quotes and which
// has no SQL operator outside them. Natural quotes are apostrophes inside
// words (O'Brien, is't, D”Arcy), inch and foot marks after digits (16"), and
// quotation pairs opened after a space or punctuation and closed before one
// ("exact phrase", 'LIKE'); a quotation still open at the end counts when it
// holds only words. Outside quotations only words, numbers and light
// punctuation may appear (AND, OR, NOT between terms are search syntax);
// HTML tags and parenthetical remarks are skipped; a ';' is allowed in prose
// of four words or more.
func (s *scan) naturalText() bool {
	words, semis := 0, 0
	open := byte(0)
	for i := 0; i < len(s.t); i++ {
		t := s.t[i]
		if open != 0 {
			switch {
			case t.kind == kQuote && s.closing(t):
				open = 0
			case t.kind == kQuote:
			case t.kind == kWord || t.kind == kNum || t.kind == kComma || t.kind == kDot || t.kind == kOther:
			case t.kind == kArith:
			default:
				return false // an operator inside an unterminated quotation
			}
			continue
		}
		switch t.kind {
		case kQuote:
			switch {
			case s.apostrophe(t) || s.inchMark(t):
			case s.opening(t):
				open = t.ch
			default:
				return false
			}
		case kWord:
			if t.kw == kwNone {
				words++
			}
		case kNum, kComma, kDot, kOther:
		case kArith:
			if t.ch == '|' {
				return false
			}
		case kSemi:
			semis++
		case kCmp:
			j, ok := s.htmlTag(i)
			if !ok {
				return false
			}
			i = j
		case kLParen:
			j, ok := s.aside(i)
			if !ok {
				return false
			}
			i = j
		default:
			return false
		}
	}
	return semis == 0 || words >= 4
}

// aside: a parenthetical remark, "(350 ml)", "(see below)": after a space,
// not a call, holding only ordinary words, numbers and light punctuation.
// It returns the index of the closing parenthesis.
func (s *scan) aside(i int) (int, bool) {
	if p := s.byteAt(int(s.t[i].start) - 1); p != 0 && !isSpace(p) {
		return i, false
	}
	for j := i + 1; j < len(s.t) && j < i+24; j++ {
		switch t := s.t[j]; t.kind {
		case kRParen:
			return j, j > i+1
		case kNum, kComma, kDot, kOther:
		case kWord:
			if t.kw != kwNone {
				return i, false
			}
		case kArith:
			if t.ch != '-' && t.ch != '/' && t.ch != '%' {
				return i, false
			}
		default:
			return i, false
		}
	}
	return i, false
}

// byteAt returns v[i], or 0 outside the value.
func (s *scan) byteAt(i int) byte {
	if i < 0 || i >= len(s.v) {
		return 0
	}
	return s.v[i]
}

// apostrophe: a quote between two letters or digits (O'Brien, D”Arcy, rock'n').
func (s *scan) apostrophe(t token) bool {
	p, n := s.byteAt(int(t.start)-1), s.byteAt(int(t.end))
	if n == t.ch { // doubled: D''Arcy
		n = s.byteAt(int(t.end) + 1)
	}
	if p == t.ch {
		p = s.byteAt(int(t.start) - 2)
	}
	return isWordByte(p) && isWordByte(n)
}

// inchMark: a quote right after a digit and before a space, the end or
// punctuation (16", 5'), a measure rather than a string delimiter.
func (s *scan) inchMark(t token) bool {
	return isDigit(s.byteAt(int(t.start)-1)) && !isWordByte(s.byteAt(int(t.end)))
}

// opening: a quote after a space, punctuation or the start and before a
// letter, digit or punctuation.
func (s *scan) opening(t token) bool {
	p, n := s.byteAt(int(t.start)-1), s.byteAt(int(t.end))
	return !isWordByte(p) && !isDigit(p) && n != 0 && !isSpace(n) && n != t.ch
}

// closing: a quote after a non-space and before a space, punctuation or the end.
func (s *scan) closing(t token) bool {
	p, n := s.byteAt(int(t.start)-1), s.byteAt(int(t.end))
	return p != 0 && !isSpace(p) && !isWordByte(n) && !isDigit(n)
}

// htmlTag: a '<' token opening an HTML tag (<a href="..">, </a>, <br />)
// returns the index of the token closing it.
func (s *scan) htmlTag(i int) (int, bool) {
	t := s.t[i]
	if t.ch != '<' || t.end != t.start+1 {
		return i, false
	}
	n := s.byteAt(int(t.end))
	if n != '/' && n != '!' && !(n|0x20 >= 'a' && n|0x20 <= 'z') {
		return i, false
	}
	for j := i + 1; j < len(s.t) && j < i+40; j++ {
		if s.t[j].kind == kCmp && s.t[j].ch == '>' {
			return j, true
		}
		if s.t[j].kind == kCmp && s.t[j].ch == '<' {
			return i, false
		}
	}
	return i, false
}

// inequalities: a chain of strict or non-strict inequalities between
// different numbers joined by connectives, 50 > 40 && 30 < 40: arithmetic
// written as text. Injected conditions open with the original operand and a
// connective (1 OR 2>1) or compare a value with itself; these do neither.
func (s *scan) inequalities() bool {
	if len(s.t) < 3 {
		return false
	}
	for k := 0; k < len(s.t); k += 4 {
		a, c, b := s.t[k], s.at(k+1), s.at(k+2)
		if a.kind != kNum || c.kind != kCmp {
			return false
		}
		switch s.v[c.start:c.end] {
		case "<", ">", "<=", ">=":
		default:
			return false // = <> <=> and shifts compare or build, not bound
		}
		if b.kind != kNum || s.v[a.start:a.end] == s.v[b.start:b.end] {
			return false
		}
		if k+3 < len(s.t) && !isLogic(s.t[k+3]) {
			return false
		}
		if k+3 == len(s.t)-1 {
			return false // a dangling connective
		}
	}
	return true
}
