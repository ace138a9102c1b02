package nosql

import "slices"

// Rule ids reported by Value.
const (
	// RuleOperator: an operator used as a key inside the value: an embedded
	// JSON or JavaScript object ({"$ne": null}, j:{"$gt":""}, { $where: ..})
	// or a bracketed name ([$ne]=1).
	RuleOperator = "nosql.operator"
	// RuleJS: server-side JavaScript as evaluated by $where, $function or
	// mapReduce: this.field access, return statements, sleep/loops, function
	// literals, db.collection calls, regular-expression literals.
	RuleJS = "nosql.js"
	// RuleTautology: a JavaScript comparison of a literal with itself
	// (1==1, 'a'=='a') that makes a $where condition always true.
	RuleTautology = "nosql.tautology"
	// RuleBreakout: the value closes a string and then the object or array
	// around it (' } ], ...) to inject further members into a JavaScript
	// query document.
	RuleBreakout = "nosql.breakout"
)

// Character classes that gate the rules, so that a clean value costs one
// pass over its bytes.
const (
	cDollar = 1 << iota // '$'
	cBslash             // '\\' (\u0024 escapes)
	cColon              // ':' and ']' (key contexts)
	cParen              // '('
	cEq                 // '='
	cLogic              // '<', '>', '&', '|', '[' (comparisons after this.x)
	cSemi               // ';', '{', ')' (statement starts)
	cQuote              // '\'', '"'
	cSlash              // '/'
)

var classes = func() (t [256]uint16) {
	t['$'] = cDollar
	t['\\'] = cBslash
	t[':'], t[']'] = cColon, cColon
	t['('] = cParen
	t['='] = cEq
	t['<'], t['>'], t['&'], t['|'], t['['] = cLogic, cLogic, cLogic, cLogic, cLogic
	t[';'], t['{'], t[')'] = cSemi, cSemi, cSemi
	t['\''], t['"'] = cQuote, cQuote
	t['/'] = cSlash
	return t
}()

// Value reports whether v, a decoded string value, carries NoSQL injection:
// an operator-bearing document or fragment, or server-side JavaScript. Plain
// prose, code-free text and documents whose $-keys are all legitimate
// (JSON Schema, Extended JSON) pass. A value without any of the characters
// these attacks need is passed after one scan, without allocating.
func Value(v string) (rule string, hit bool) { return ValueAllowing(v, nil) }

// ValueAllowing is Value on a route where some operators are legitimate (a
// Parse where={...} or RESTHeart filter={...} parameter): an embedded
// operator for which allowed reports true is not a finding; any other
// operator in the same value still is. allowed may be nil.
func ValueAllowing(v string, allowed func(op string) bool) (rule string, hit bool) {
	var seen uint16
	for i := 0; i < len(v); i++ {
		seen |= classes[v[i]]
	}
	if seen == 0 {
		return "", false
	}
	if seen&(cDollar|cBslash) != 0 && seen&cColon != 0 {
		if _, ok := embeddedOperator(v, allowed); ok {
			return RuleOperator, true
		}
	}
	if seen&cQuote != 0 && breakout(v) {
		return RuleBreakout, true
	}
	if seen&cEq != 0 && tautology(v) {
		return RuleTautology, true
	}
	if seen&(cParen|cEq|cLogic|cSemi|cQuote|cSlash) != 0 && javaScript(v, seen) {
		return RuleJS, true
	}
	return "", false
}

// embeddedOperator finds a MongoDB operator used as a key inside v: the
// operator name after '$' (or the JSON/JavaScript escapes \u0024 and \x24)
// in key position, that is preceded by '{', ',', '[', '(' or the start of
// the value and followed by ':' (an object member) or ']' (a bracketed
// parameter name), quotes and white space aside.
func embeddedOperator(v string, allowed func(string) bool) (string, bool) {
	op, _, ok := nextOperator(v, 0, allowed)
	return op, ok
}

// EmbeddedOperators lists, in the order found and each once, the operators
// of v that embeddedOperator would report (those allowed does not pass):
// what a finding of RuleOperator on v names.
func EmbeddedOperators(v string, allowed func(string) bool) []string {
	var out []string
	for i := 0; ; {
		op, next, ok := nextOperator(v, i, allowed)
		if !ok {
			return out
		}
		if !slices.Contains(out, op) {
			out = append(out, op)
		}
		i = next
	}
}

// nextOperator is embeddedOperator from v[from:] on (the context before it
// still counts); next is where the search for another one goes on.
func nextOperator(v string, from int, allowed func(string) bool) (op string, next int, ok bool) {
	for i := from; i < len(v); i++ {
		var name int
		switch {
		case v[i] == '$':
			name = i + 1
		case v[i] == '\\' && hasPrefixAt(v, i+1, "u0024"):
			name = i + 6
		case v[i] == '\\' && hasPrefixAt(v, i+1, "x24"):
			name = i + 4
		default:
			continue
		}
		end := name
		for end < len(v) && isIdent(v[end]) {
			end++
		}
		if end == name || end-name >= maxOperatorLen {
			continue
		}
		var buf [maxOperatorLen]byte
		buf[0] = '$'
		copy(buf[1:], v[name:end])
		op, ok := Operator(string(buf[:1+end-name]))
		if ok && keyContext(v, i, end) && (allowed == nil || !allowed(op)) {
			return op, end, true
		}
		i = end - 1
	}
	return "", len(v), false
}

// keyContext reports whether v[start:end] sits where an object key or a
// bracketed name segment does.
func keyContext(v string, start, end int) bool {
	b := start - 1
	for b >= 0 && isKeyPad(v[b]) {
		b--
	}
	before := byte(0)
	if b >= 0 {
		before = v[b]
	}
	switch before {
	case 0, '{', ',', '[', '(':
	default:
		return false
	}
	a := end
	quoted := false
	for a < len(v) && isKeyPad(v[a]) {
		quoted = quoted || !isSpace(v[a])
		a++
	}
	if a == len(v) {
		return false
	}
	if v[a] == ']' {
		return before == '['
	}
	return v[a] == ':' && (quoted || !graphQLType(v, a+1))
}

// graphQLType reports whether the text after an unquoted "$name:" is a
// GraphQL type ("query Q($where: orders_bool_exp!, $ids: [ID!])"): a bare
// type name, maybe in list brackets. A MongoDB operator's value is a literal,
// an object, an array of literals, a regex or code.
func graphQLType(v string, i int) bool {
	i = skipSpace(v, i)
	if i < len(v) && v[i] == '[' {
		i = skipSpace(v, i+1)
	}
	if i == len(v) || !(v[i] == '_' || 'a' <= v[i] && v[i] <= 'z' || 'A' <= v[i] && v[i] <= 'Z') {
		return false
	}
	j := i
	for j < len(v) && isIdent(v[j]) {
		j++
	}
	switch v[i:j] {
	case "true", "false", "null", "undefined", "this", "function", "new", "NaN", "Infinity":
		return false
	}
	return true
}

// isKeyPad reports the bytes that may surround a key: white space, quotes
// and the backslashes of an escaped quote.
func isKeyPad(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '\\', '`':
		return true
	}
	return false
}

// breakout reports a value that opens with a quote closing the string it is
// placed in, then closes an object or array and continues the list:
// ' } ], $comment: ... or "}], {...
func breakout(v string) bool {
	i := 0
	for i < len(v) && isIdent(v[i]) {
		i++
	}
	if i == len(v) || v[i] != '\'' && v[i] != '"' {
		return false
	}
	i = skipSpace(v, i+1)
	closers := 0
	for i < len(v) && (v[i] == '}' || v[i] == ']') {
		closers++
		i = skipSpace(v, i+1)
	}
	return closers > 0 && i < len(v) && v[i] == ','
}

// tautology finds "L == R" (or ===) where L and R are the same number or the
// same quoted string; the right-hand string may be left open at the end of
// the value, where the query's own closing quote completes it.
func tautology(v string) bool {
	for i := 1; i+1 < len(v); i++ {
		if v[i] != '=' || v[i+1] != '=' || v[i-1] == '=' || v[i-1] == '!' {
			continue
		}
		lq, l, lok := literalBefore(v, i)
		r := i + 2
		if r < len(v) && v[r] == '=' {
			r++
		}
		rq, rv, rok := literalAfter(v, r)
		if lok && rok && lq == rq && l == rv {
			return true
		}
		i = r - 1
	}
	return false
}

// literalBefore returns the number (quote 0) or quoted string (its quote and
// body) that ends just before v[end], white space aside.
func literalBefore(v string, end int) (quote byte, body string, ok bool) {
	j := end - 1
	for j >= 0 && isSpace(v[j]) {
		j--
	}
	if j < 0 {
		return 0, "", false
	}
	if q := v[j]; q == '\'' || q == '"' {
		k := j - 1
		for k >= 0 && v[k] != q {
			k--
		}
		if k < 0 {
			return 0, "", false
		}
		return q, v[k+1 : j], true
	}
	k := j
	for k >= 0 && isDigit(v[k]) {
		k--
	}
	if k == j || k >= 0 && (isIdent(v[k]) || v[k] == '.') {
		return 0, "", false
	}
	return 0, v[k+1 : j+1], true
}

// literalAfter returns the number or quoted string that starts at v[start],
// white space aside; a string left open at the end of v runs to its end.
func literalAfter(v string, start int) (quote byte, body string, ok bool) {
	j := skipSpace(v, start)
	if j == len(v) {
		return 0, "", false
	}
	if q := v[j]; q == '\'' || q == '"' {
		k := j + 1
		for k < len(v) && v[k] != q {
			k++
		}
		return q, v[j+1 : k], true
	}
	k := j
	for k < len(v) && isDigit(v[k]) {
		k++
	}
	if k == j || k < len(v) && (isIdent(v[k]) || v[k] == '.') {
		return 0, "", false
	}
	return 0, v[j:k], true
}

func hasPrefixAt(v string, i int, p string) bool {
	return i <= len(v) && len(v)-i >= len(p) && v[i:i+len(p)] == p
}

func isIdent(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(v string, i int) int {
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	return i
}
