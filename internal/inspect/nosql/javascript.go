package nosql

import "strings"

// javaScript reports server-side JavaScript of the kinds that $where,
// $function, $accumulator and mapReduce evaluate. Each construct is one that
// prose does not produce: member access on this followed by a call or a
// comparison, a return statement after a statement boundary, sleep(N),
// busy loops, new Date(), db.<collection> calls and regular-expression
// literals used as values. A function literal alone is not enough (real
// query strings carry analytics callbacks); the statements inside a
// malicious one (return true, sleep, this.x) are what the rules see.
func javaScript(v string, seen uint16) bool {
	if seen&(cParen|cEq|cLogic) != 0 && thisAccess(v) {
		return true
	}
	if seen&(cSemi|cQuote) != 0 && returnStatement(v) {
		return true
	}
	if seen&cParen != 0 && (sleepCall(v) || loop(v) || newDate(v) || dbCall(v)) {
		return true
	}
	return seen&cSlash != 0 && regexLiteral(v)
}

// words yields each index at which word occurs in v as a whole identifier.
func wordAt(v, word string, from int) int {
	for from <= len(v)-len(word) {
		i := strings.Index(v[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isIdent(v[i-1])) && (end == len(v) || !isIdent(v[end]) || word[len(word)-1] == '.') {
			return i
		}
		from = i + 1
	}
	return -1
}

// thisAccess: this.field followed by a method call (.match(, .x(), a call
// or index, or a comparison or logical operator.
func thisAccess(v string) bool {
	for i := wordAt(v, "this.", 0); i >= 0; i = wordAt(v, "this.", i+1) {
		j := identEnd(v, i+5)
		if j == i+5 || j == len(v) {
			continue
		}
		switch v[j] {
		case '(', '[':
			return true
		case '.':
			k := identEnd(v, j+1)
			if k > j+1 && k < len(v) && v[k] == '(' {
				return true
			}
			continue
		}
		j = skipSpace(v, j)
		if j+1 < len(v) {
			switch v[j : j+2] {
			case "==", "!=", "&&", "||", ">=", "<=":
				return true
			}
		}
		if j < len(v) && (v[j] == '>' || v[j] == '<') {
			return true
		}
	}
	return false
}

// returnStatement: return after ';', '{', ')' or a quote, followed by a
// parenthesis or by a literal (true, false, this, a number, a string, !)
// that ends the statement or meets an operator.
func returnStatement(v string) bool {
	for i := wordAt(v, "return", 0); i >= 0; i = wordAt(v, "return", i+1) {
		b := i - 1
		for b >= 0 && isSpace(v[b]) {
			b--
		}
		if b < 0 || !strings.ContainsRune(";{)'\"", rune(v[b])) {
			continue
		}
		j := skipSpace(v, i+6)
		if j == len(v) {
			continue
		}
		switch c := v[j]; {
		case c == '(' || c == '!':
			return true
		case c == '\'' || c == '"':
			k := strings.IndexByte(v[j+1:], c)
			if k < 0 || statementEnds(v, j+k+2) {
				return true
			}
		case isDigit(c):
			if statementEnds(v, identEnd(v, j)) {
				return true
			}
		default:
			k := identEnd(v, j)
			switch v[j:k] {
			case "true", "false", "this", "null":
				if statementEnds(v, k) {
					return true
				}
			}
		}
	}
	return false
}

// statementEnds reports whether the expression that ended at v[i] is
// followed, white space aside, by the end of the value or by an operator or
// statement boundary rather than by more words.
func statementEnds(v string, i int) bool {
	i = skipSpace(v, i)
	return i == len(v) || strings.IndexByte(";&|=)}!<>,/+-*.", v[i]) >= 0
}

// sleepCall: sleep(N), the JavaScript time probe of blind injection.
func sleepCall(v string) bool {
	for i := strings.Index(v, "sleep("); i >= 0; {
		j := skipSpace(v, i+6)
		k := j
		for k < len(v) && isDigit(v[k]) {
			k++
		}
		if k > j && skipSpace(v, k) < len(v) && v[skipSpace(v, k)] == ')' {
			return true
		}
		n := strings.Index(v[i+6:], "sleep(")
		if n < 0 {
			break
		}
		i += 6 + n
	}
	return false
}

// loop: while(cond){ or while(cond); with a code-like condition, do{, and
// for(;;), the busy-wait probes of blind injection.
func loop(v string) bool {
	for i := wordAt(v, "while", 0); i >= 0; i = wordAt(v, "while", i+1) {
		j := skipSpace(v, i+5)
		if j == len(v) || v[j] != '(' {
			continue
		}
		k := strings.IndexByte(v[j:], ')')
		if k < 0 {
			continue
		}
		cond := v[j+1 : j+k]
		if cond != "true" && cond != "1" && !strings.ContainsAny(cond, "<>=!") {
			continue
		}
		e := skipSpace(v, j+k+1)
		if e == len(v) || v[e] == '{' || v[e] == ';' {
			return true
		}
	}
	for i := wordAt(v, "do", 0); i >= 0; i = wordAt(v, "do", i+1) {
		if j := skipSpace(v, i+2); j < len(v) && v[j] == '{' {
			return true
		}
	}
	for i := wordAt(v, "for", 0); i >= 0; i = wordAt(v, "for", i+1) {
		j := skipSpace(v, i+3)
		if j < len(v) && v[j] == '(' {
			if k := skipSpace(v, j+1); k < len(v) && v[k] == ';' {
				return true
			}
		}
	}
	return false
}

// newDate: new Date(, the clock of time-based probes.
func newDate(v string) bool {
	for i := wordAt(v, "new", 0); i >= 0; i = wordAt(v, "new", i+1) {
		j := skipSpace(v, i+3)
		if j == i+3 || !hasPrefixAt(v, j, "Date") {
			continue
		}
		if k := skipSpace(v, j+4); k < len(v) && v[k] == '(' {
			return true
		}
	}
	return false
}

// dbCall: db.collection.method( or db.method(, the mongo shell API that
// $where code and mapReduce functions reach.
func dbCall(v string) bool {
	for i := wordAt(v, "db.", 0); i >= 0; i = wordAt(v, "db.", i+1) {
		j := i + 2
		for j < len(v) && v[j] == '.' {
			k := identEnd(v, j+1)
			if k == j+1 {
				break
			}
			j = k
		}
		if j > i+3 && j < len(v) && v[j] == '(' {
			return true
		}
	}
	return false
}

// regexLiteral: a regular-expression literal that matches anything (/.*/,
// /.+/, /^.../) given as a value (after ':' or '(' or ','), as in
// {password: /.*/} or this.password.match(/.*/).
func regexLiteral(v string) bool {
	for i := strings.IndexByte(v, '/'); i >= 0 && i+1 < len(v); {
		b := i - 1
		for b >= 0 && isSpace(v[b]) {
			b--
		}
		if b >= 0 && (v[b] == ':' || v[b] == '(' || v[b] == ',') {
			if k := strings.IndexByte(v[i+1:], '/'); k > 0 {
				body := v[i+1 : i+1+k]
				if strings.Contains(body, ".*") || strings.Contains(body, ".+") || body[0] == '^' {
					return true
				}
			}
		}
		n := strings.IndexByte(v[i+1:], '/')
		if n < 0 {
			break
		}
		i += 1 + n
	}
	return false
}

func identEnd(v string, i int) int {
	for i < len(v) && isIdent(v[i]) {
		i++
	}
	return i
}
