package sqli

import "github.com/corazawaf/libinjection-go"

// maxStackTokens is how many tokens Detect keeps on the stack; longer values
// spill to the heap.
const maxStackTokens = 64

// Detect reports whether the already decoded value v carries SQL injection,
// and the stable id of the rule that fired: "sqli.libinjection" or one of the
// structural rules "sqli.union", "sqli.select", "sqli.stacked",
// "sqli.tautology", "sqli.function", "sqli.comment", "sqli.orderby",
// "sqli.schema", "sqli.case", "sqli.file", "sqli.concat", "sqli.variable",
// "sqli.hex", "sqli.breakout", "sqli.score".
func Detect(v string) (rule string, hit bool) {
	sig := prefilter(v)
	if sig == quiet {
		return "", false
	}
	var buf [maxStackTokens]token
	s := scan{v: v, t: lex(v, buf[:0])}
	if rule, hit := s.rules(); hit {
		return rule, true
	}
	if sig == wordsOnly || s.benign() {
		return "", false // benign shapes are vetoed anyway: skip libinjection's cost
	}
	if libinjectionHit(v) {
		return "sqli.libinjection", true
	}
	return "", false
}

func libinjectionHit(v string) bool {
	ok, _ := libinjection.IsSQLi(v)
	return ok
}

// signal is what the pre-filter saw.
type signal uint8

const (
	quiet     signal = iota // one token of letters, digits and _ . : / , - @
	wordsOnly               // several words, no SQL punctuation
	punct                   // quotes, parentheses, operators or comments
)

// prefilter classifies v in one pass without allocating. Most values are
// single words, numbers or ids; SQL cannot be written without a separator
// between keywords, so those need no further look.
func prefilter(v string) signal {
	if len(v) > 17 && v[0] == '0' && v[1]|0x20 == 'x' {
		return punct // a long hex literal may hold a statement (hex.go)
	}
	sig := quiet
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ', '\t', '\n', '\r', '\v', '\f', '+', 0xA0:
			if sig == quiet {
				sig = wordsOnly
			}
		case '-':
			if i+1 < len(v) && v[i+1] == '-' {
				return punct
			}
		case '@':
			if i+1 < len(v) && v[i+1] == '@' {
				return punct
			}
		case '/':
			if i+1 < len(v) && v[i+1] == '*' {
				return punct
			}
		case '\'', '"', '`', ';', '(', ')', '=', '<', '>', '|', '&', '#', '*', '\\', '%', '!', '~', '^':
			return punct
		case 0:
			return punct
		}
	}
	return sig
}

// Complete reports whether a SQL injection found in v could leave the
// query it is put in valid, for a value that reads as natural language:
// the text before the first comment must not end in prose — three or more
// plain words (not SQL keywords, more of them than keywords) after the last
// SQL token. An injected condition followed by "into the search box and
// got an error" is a syntax error, not an injection; one that runs to the
// end of the value or comments the rest out ("… thanks!' OR '1'='1' --
// see you") is complete, and so is a stacked statement ("…'; DROP TABLE t;
// and more text"): a database that runs several statements runs it before
// the text after it fails. The structural rules are asked again with what
// prose changes: a WHERE of constants that nothing continues ("Some ORMs
// emit WHERE 1=1 AND ...") is not an injection (constantWhere), so a value
// whose only finding is one is not complete. Complete is meant for values
// Detect flagged; it reports false for values without SQL structure.
func Complete(v string) bool {
	var buf [maxStackTokens]token
	s := scan{v: v, t: lex(v, buf[:0]), inProse: true}
	if _, hit := s.rules(); !hit && (prefilter(v) != punct || s.benign() || !libinjectionHit(v)) {
		// the only structure found is one prose cannot make work: a WHERE
		// of constants (constantWhere)
		return false
	}
	end := len(s.t)
	for i, t := range s.t {
		if t.kind == kComment {
			end = i
			break
		}
		if t.kind == kSemi && s.statement(i+1, true) {
			// a stacked statement runs before the text after it fails
			return true
		}
	}
	i := end - 1
	// sentence punctuation and Markdown backticks after the last word
	for i >= 0 && (s.t[i].kind == kDot || s.t[i].kind == kComma || s.t[i].kind == kOther ||
		s.t[i].kind == kArith && s.t[i].ch == '!' || s.t[i].kind == kQuote && s.t[i].ch == '`') {
		i--
	}
	plain, keywords := 0, 0
	for ; i >= 0; i-- {
		t := s.t[i]
		switch {
		case t.kind == kWord && t.kw == kwNone:
			plain++
		case t.kind == kWord:
			keywords++
		case t.kind == kComma || t.kind == kQuote && s.apostrophe(t):
		case t.kind == kQuote && s.opening(t):
			// ' OR 'a' = 'hello world, how are you: the words are a string
			// the query's own closing quote ends
			return true
		default:
			return !(plain >= 3 && plain > keywords)
		}
	}
	return !(plain >= 3 && plain > keywords)
}
