package sqli

// The lexer turns a value into SQL-ish tokens without allocating (the caller
// gives it a slice backed by a stack array). It normalises what databases
// ignore and attackers use to split keywords from a signature's view:
// whitespace of every kind (TAB, CR, LF, VT, FF, NBSP, '+' that a form decoder
// did not turn into a space), inline comments /* ... */ (dropped like
// whitespace) and MySQL executable comments /*! ... */ and /*!50000 ... */
// (their body is code, so only the markers are dropped). Case is folded when
// words are classified (keywords.go). Line comments (--, #) become tokens and
// lexing continues after them, because in a quoted context the text after
// them is still live SQL.

// kind is a token's lexical class.
type kind uint8

const (
	kWord    kind = iota + 1 // identifier or keyword; kw says which
	kNum                     // 12, 1.5, 1e3, 0x41, 0b101
	kQuote                   // ' " ` (the byte is in ch)
	kCmp                     // = < > <= >= <> != <=> ==
	kLogic                   // || && (the words and/or/xor are kWord)
	kArith                   // - * / % ^ & | ~ !
	kLParen                  // (
	kRParen                  // )
	kComma                   // ,
	kSemi                    // ;
	kDot                     // .
	kComment                 // -- or # (line) or an unterminated /*
	kVar                     // @name, @@name (ch is 2 for @@)
	kOther                   // anything else: \ ? [ ] { } : $ and the like
)

// token is one lexeme: its kind, its keyword id for words, the byte that
// tells quotes and operators apart, and its position in the value.
type token struct {
	kind  kind
	ch    byte
	kw    kwID
	start int32
	end   int32
}

// lex appends the tokens of v to toks and returns the slice.
func lex(v string, toks []token) []token {
	n := len(v)
	for i := 0; i < n; {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '+' || c == 0:
			i++
		case c == 0xC2 && i+1 < n && v[i+1] == 0xA0: // NBSP in UTF-8
			i += 2
		case c == 0xA0: // NBSP in Latin-1
			i++
		case isWordStart(c):
			j := wordEnd(v, i+1)
			toks = append(toks, token{kind: kWord, kw: classify(v[i:j]), start: int32(i), end: int32(j)})
			i = j
		case isDigit(c):
			j := lexNumber(v, i)
			toks = append(toks, token{kind: kNum, start: int32(i), end: int32(j)})
			i = j
		case c == '\'' || c == '"' || c == '`':
			toks = append(toks, token{kind: kQuote, ch: c, start: int32(i), end: int32(i + 1)})
			i++
		case c == '/' && i+1 < n && v[i+1] == '*':
			j, ch := skipBlockComment(v, i)
			if ch != 0 {
				toks = append(toks, token{kind: kComment, ch: ch, start: int32(i), end: int32(j)})
			}
			i = j
		case c == '*' && i+1 < n && v[i+1] == '/': // end of a /*! comment
			i += 2
		case c == '-' && i+1 < n && v[i+1] == '-':
			toks = append(toks, token{kind: kComment, ch: '-', start: int32(i), end: int32(i + 2)})
			i += 2
			for i < n && v[i] == '-' {
				i++
			}
		case c == '#':
			toks = append(toks, token{kind: kComment, ch: '#', start: int32(i), end: int32(i + 1)})
			i++
		case c == '@':
			j, at := i+1, byte(1)
			if j < n && v[j] == '@' {
				j, at = j+1, 2
			}
			j = wordEnd(v, j)
			toks = append(toks, token{kind: kVar, ch: at, start: int32(i), end: int32(j)})
			i = j
		default:
			var t token
			t, i = lexPunct(v, i)
			toks = append(toks, t)
		}
	}
	return toks
}

// lexPunct lexes one operator or punctuation token at v[i].
func lexPunct(v string, i int) (token, int) {
	c := v[i]
	next := byte(0)
	if i+1 < len(v) {
		next = v[i+1]
	}
	t := token{ch: c, start: int32(i), end: int32(i + 1)}
	switch c {
	case '(':
		t.kind = kLParen
	case ')':
		t.kind = kRParen
	case ',':
		t.kind = kComma
	case ';':
		t.kind = kSemi
	case '.':
		t.kind = kDot
	case '=':
		t.kind = kCmp
		if next == '=' {
			t.end++
		}
	case '<', '>': // < <= <> << <=> > >= >>
		t.kind = kCmp
		if next == '=' || next == '>' || (c == '<' && next == '<') {
			t.end++
			if c == '<' && next == '=' && i+2 < len(v) && v[i+2] == '>' {
				t.end++
			}
		}
	case '!':
		t.kind = kArith
		if next == '=' {
			t.kind = kCmp
			t.end++
		}
	case '|', '&':
		t.kind = kArith
		if next == c {
			t.kind = kLogic
			t.end++
		}
	case '-', '*', '/', '%', '^', '~':
		t.kind = kArith
	default:
		t.kind = kOther
	}
	return t, int(t.end)
}

// lexNumber returns the end of the number starting at v[i]: decimal with an
// optional fraction and exponent, or 0x/0b literals.
func lexNumber(v string, i int) int {
	n := len(v)
	if v[i] == '0' && i+2 < n && (v[i+1] == 'x' || v[i+1] == 'X') && isHex(v[i+2]) {
		j := i + 2
		for j < n && isHex(v[j]) {
			j++
		}
		return j
	}
	j := i
	for j < n && isDigit(v[j]) {
		j++
	}
	if j+1 < n && v[j] == '.' && isDigit(v[j+1]) {
		j++
		for j < n && isDigit(v[j]) {
			j++
		}
	}
	if j+1 < n && (v[j] == 'e' || v[j] == 'E') {
		k := j + 1
		if k < n && (v[k] == '+' || v[k] == '-') {
			k++
		}
		if k < n && isDigit(v[k]) {
			for k < n && isDigit(v[k]) {
				k++
			}
			return k
		}
	}
	return j
}

// skipBlockComment handles a comment starting at v[i] ("/*") and returns
// where lexing resumes and the comment token to record, if any. An ordinary
// closed comment is skipped whole (ch 0), unless it hides a quote from
// parsers that know comments (1/*'*/: ch 'q'). A MySQL executable comment
// /*!NNNNN is entered, its body lexed as code; the version form records a
// '!' token, since only MySQL-targeted SQL writes it. An unterminated
// comment runs to the end (ch '/').
func skipBlockComment(v string, i int) (next int, ch byte) {
	n := len(v)
	j := i + 2
	if j < n && v[j] == '!' {
		j++
		k := j
		for j < n && isDigit(v[j]) {
			j++
		}
		if j-k == 5 {
			return j, '!'
		}
		return j, 0
	}
	quote := byte(0)
	for k := j; k+1 < n; k++ {
		switch v[k] {
		case '\'', '"', '`':
			if !isWordByte(v[k-1]) || k+1 >= n || !isWordByte(v[k+1]) {
				quote = 'q' // not an apostrophe inside a word
			}
		case '*':
			if v[k+1] == '/' {
				return k + 2, quote
			}
		}
	}
	return n, '/'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// wordEnd returns the end of the word whose remaining bytes start at v[j]; a
// NBSP ends a word.
func wordEnd(v string, j int) int {
	for j < len(v) && isWordByte(v[j]) {
		if v[j] == 0xC2 && j+1 < len(v) && v[j+1] == 0xA0 {
			break
		}
		j++
	}
	return j
}

func isWordStart(c byte) bool {
	return (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '_' || (c >= 0x80 && c != 0xA0)
}

func isWordByte(c byte) bool {
	return isWordStart(c) || isDigit(c) || c == '$'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
