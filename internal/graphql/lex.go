package graphql

import (
	"net/http"
	"unicode/utf8"
)

// lexStats is what one linear pass over a document's bytes learns before it
// is parsed: the parser and validator only ever see documents this pass
// admitted. The counts are those of gqlparser's lexer for a document that
// lexes (comments, commas and white space are not tokens); for one that does
// not, they are an approximation and the parser reports the error.
type lexStats struct {
	tokens, directives, nesting int // nesting: the deepest bracket nesting
	comments                    bool
}

// maxNesting bounds braces, brackets and parentheses together, whatever the
// depth limit: the parser recurses once per level.
func maxNesting(l *Limits) int {
	return max(64, min(2*l.MaxDepth+8, 512))
}

// lexCheck counts tokens, directive uses and bracket nesting without
// allocating, stopping at the first limit crossed. It reads the bytes itself
// rather than running gqlparser's lexer, which the parser runs again: the
// pass costs a few percent of parsing instead of a third of it. A lexical
// error is left to the parser to report.
func lexCheck(q string, l *Limits) (lexStats, *Refusal) {
	var st lexStats
	limitNest := maxNesting(l)
	depth := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
			continue
		case c == '#':
			st.comments = true
			for i < len(q) && q[i] != '\n' && q[i] != '\r' {
				i++
			}
			continue
		case c == 0xEF && len(q) >= i+3 && q[i+1] == 0xBB && q[i+2] == 0xBF: // byte order mark
			i += 3
			continue
		case c == '"':
			i = stringEnd(q, i)
		case c == '{' || c == '[' || c == '(':
			depth++
			st.nesting = max(st.nesting, depth)
			if depth > limitNest {
				return st, refuse(http.StatusBadRequest, "graphql_too_deep",
					"The document nests deeper than this endpoint accepts.").with("limit", l.MaxDepth)
			}
			i++
		case c == '}' || c == ']' || c == ')':
			depth--
			i++
		case c == '@':
			st.directives++
			if st.directives > l.MaxDirectives {
				return st, refuse(http.StatusBadRequest, "graphql_too_many_directives",
					"The document uses more directives than this endpoint accepts.").with("limit", l.MaxDirectives)
			}
			i++
		case c == '.' && len(q) >= i+3 && q[i+1] == '.' && q[i+2] == '.':
			i += 3
		case nameStart(c):
			i++
			for i < len(q) && (nameStart(q[i]) || isDigit(q[i])) {
				i++
			}
		case c == '-' || isDigit(c):
			i = numberEnd(q, i)
		default: // other punctuators, and bytes the parser refuses
			i++
		}
		st.tokens++
		if st.tokens > l.MaxTokens {
			return st, refuse(http.StatusBadRequest, "graphql_too_many_tokens",
				"The document has more tokens than this endpoint accepts.").with("limit", l.MaxTokens)
		}
	}
	return st, nil
}

func nameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// stringEnd returns the offset after the string or block string at q[i]
// (or the end of its line, or of q, for one that is not closed).
func stringEnd(q string, i int) int {
	if len(q) >= i+3 && q[i+1] == '"' && q[i+2] == '"' { // """block"""
		for j := i + 3; j < len(q); j++ {
			switch {
			case q[j] == '\\' && len(q) >= j+4 && q[j+1:j+4] == `"""`:
				j += 3
			case q[j] == '"' && len(q) >= j+3 && q[j+1] == '"' && q[j+2] == '"':
				return j + 3
			}
		}
		return len(q)
	}
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		case '\n', '\r':
			return j
		}
	}
	return len(q)
}

// numberEnd returns the offset after the IntValue or FloatValue at q[i].
func numberEnd(q string, i int) int {
	digits := func(j int) int {
		for j < len(q) && isDigit(q[j]) {
			j++
		}
		return j
	}
	if q[i] == '-' {
		i++
	}
	i = digits(i)
	if i+1 < len(q) && q[i] == '.' && isDigit(q[i+1]) {
		i = digits(i + 1)
	}
	if i < len(q) && (q[i] == 'e' || q[i] == 'E') {
		j := i + 1
		if j < len(q) && (q[j] == '+' || q[j] == '-') {
			j++
		}
		if j < len(q) && isDigit(q[j]) {
			i = digits(j)
		}
	}
	return i
}

// blankComments returns q with each comment's runes replaced by spaces: the
// parser then keeps no comment groups, and every token keeps its line,
// column and rune offset (the positions "null" mode rewrites by).
func blankComments(q string) string {
	b := make([]byte, 0, len(q))
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == '"':
			j := stringEnd(q, i)
			b = append(b, q[i:j]...)
			i = j
		case c == '#':
			for i < len(q) && q[i] != '\n' && q[i] != '\r' {
				if q[i] < utf8.RuneSelf || utf8.RuneStart(q[i]) {
					b = append(b, ' ')
				}
				i++
			}
		default:
			b = append(b, c)
			i++
		}
	}
	return string(b)
}
