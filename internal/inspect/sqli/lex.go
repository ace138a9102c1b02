package sqli

import "strings"

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
		case c >= 0xC0 && smartQuote(v, i) != 0:
			w := quoteWidth(c)
			toks = append(toks, token{kind: kQuote, ch: smartQuote(v, i), start: int32(i), end: int32(i + w)})
			i += w
		case c == '\\' && i+3 < n && v[i+1]|0x20 == 'x' && hexQuote(v[i+2], v[i+3]) != 0:
			toks = append(toks, token{kind: kQuote, ch: hexQuote(v[i+2], v[i+3]), start: int32(i), end: int32(i + 4)})
			i += 4
		case c == '[' && bracketName(v, i) > i+1:
			j := bracketName(v, i)
			toks = append(toks, token{kind: kWord, kw: classify(v[i+1 : j-1]), start: int32(i + 1), end: int32(j - 1)})
			i = j
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
		case (c == '#' || c == '-' && i+1 < n && v[i+1] == '-') && lineCommentBlank(v, i) > 0:
			// A line comment that ends before more code is a blank.
			i = lineCommentBlank(v, i)
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

// lineCommentBlank returns the index after the line comment at v[i] when
// a line break ends it and more than blanks follows (the comment is then a
// blank between tokens: "ORDER#x\nBY", "UNION-- x\nSELECT"), else 0.
func lineCommentBlank(v string, i int) int {
	nl := strings.IndexByte(v[i:], '\n')
	if nl < 0 {
		return 0
	}
	j := i + nl + 1
	if strings.TrimLeft(v[j:], " \t\r\n\v\f") == "" {
		return 0
	}
	return j
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
	if j+1 < n && v[j] == '.' && (isDigit(v[j+1]) || (v[j+1]|0x20 == 'e' && j+2 < n && isDigit(v[j+2]))) {
		j++ // 1.5, and MySQL's 0.e3
		for j < n && isDigit(v[j]) {
			j++
		}
	}
	if j < n && (v[j]|0x20 == 'f' || v[j]|0x20 == 'd') && gluedClause(v, j+1) {
		return j + 1 // Oracle's 1f / 1d float suffix: 1FUNION SELECT
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

// gluedClause reports whether the word at v[j] is UNION, SELECT or FROM:
// MySQL and Oracle end a number at a keyword glued to it (1e0UNION).
func gluedClause(v string, j int) bool {
	if j >= len(v) || !isWordStart(v[j]) {
		return false
	}
	switch classify(v[j:wordEnd(v, j)]) {
	case kwUnion, kwSelect, kwFrom:
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// wordEnd returns the end of the word whose remaining bytes start at v[j]; a
// NBSP ends a word.
func wordEnd(v string, j int) int {
	for j < len(v) && isWordByte(v[j]) {
		if v[j] >= 0xC2 && ((v[j] == 0xC2 && j+1 < len(v) && v[j+1] == 0xA0) || smartQuote(v, j) != 0) {
			break
		}
		j++
	}
	return j
}

// smartQuote returns the ASCII quote that the typographic quote at v[i]
// stands for, or 0. SQL Server's best-fit conversion to a non-Unicode
// column turns ‘ ’ ʼ into ' and “ ” into ", so they close strings there:
// ’ or ‘1’=’1.
func smartQuote(v string, i int) byte {
	switch {
	case i+1 < len(v) && v[i] == 0xCA && v[i+1] == 0xBC: // ʼ U+02BC
		return '\''
	case i+2 < len(v) && v[i] == 0xE2 && v[i+1] == 0x80:
		switch v[i+2] {
		case 0x98, 0x99: // ‘ ’
			return '\''
		case 0x9C, 0x9D: // “ ”
			return '"'
		}
	}
	return 0
}

// quoteWidth is the UTF-8 length of a smart quote starting with byte c.
func quoteWidth(c byte) int {
	if c == 0xCA {
		return 2
	}
	return 3
}

// hexQuote returns the quote a C-style escape \xHH spells (\x27, \x22,
// \x60), which PHP, JavaScript and Python strings turn back into a quote.
func hexQuote(a, b byte) byte {
	if a == '2' && b == '7' {
		return '\''
	}
	if a == '2' && b == '2' {
		return '"'
	}
	if a == '6' && b == '0' {
		return '`'
	}
	return 0
}

// bracketName returns the end (after ']') of an MSSQL bracketed identifier
// [name] at v[i], or i when there is none: [information_schema].[tables].
func bracketName(v string, i int) int {
	j := i + 1
	if j >= len(v) || !isWordStart(v[j]) {
		return i
	}
	j = wordEnd(v, j)
	if j < len(v) && v[j] == ']' {
		return j + 1
	}
	return i
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
