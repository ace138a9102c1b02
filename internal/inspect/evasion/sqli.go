package evasion

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

var sqliClass = class{
	ops: []op{
		{"blank", replaceByte(' ', func(r *rand.Rand) string {
			return pick(r, "\t", "\n", "\r", "\v", "\f", "/**/", "/*x*/", "-- x\n", "#x\n", "  ")
		})},
		{"versioned-comment", versioned},
		{"case", swapCase},
		{"logic-symbol", logicSymbol},
		{"tautology", tautology},
		{"double-quotes", func(r *rand.Rand, v string) (string, bool) {
			if !strings.Contains(v, "'") || strings.Contains(v, `"`) {
				return v, false
			}
			return strings.ReplaceAll(v, "'", `"`), true
		}},
	},
	valid: func(seed string) bool {
		toks, ok := sqlStream(seed)
		// a working injection does something beyond the context's
		// comparison: a connective, a clause, a statement or a call
		return ok && slices.ContainsFunc(toks[7:], func(t string) bool { return sqlActive[t] })
	},
	same: func(seed, mutant string) bool {
		a, ok := sqlStream(seed)
		if !ok {
			return false
		}
		b, ok := sqlStream(mutant)
		return ok && slices.Equal(a, b)
	},
}

// sqlActive are the tokens of an injection that does something.
var sqlActive = map[string]bool{"or": true, "and": true, "xor": true, "union": true, "select": true, "insert": true,
	"update": true, "delete": true, "drop": true, "exec": true, "execute": true, "sleep": true, "benchmark": true,
	"waitfor": true, "having": true, "order": true, "group": true, "into": true, "load_file": true, "pg_sleep": true,
	"declare": true, "create": true, "alter": true, "shutdown": true, "if": true, "case": true, ";": true}

// sqlKeywords are words the operators touch (case, versioned comments,
// || and &&).
var sqlKeywords = []string{"select", "union", "or", "and", "from", "where", "order", "by", "sleep", "benchmark", "waitfor", "delay", "insert", "update", "drop", "exec", "all", "null", "like", "limit", "having", "group", "concat", "version", "database", "user"}

// keywordAt returns the keywords of v as [start, end) byte ranges.
func keywordAt(v string) [][2]int {
	var out [][2]int
	for i := 0; i < len(v); {
		if !isLetter(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && (isLetter(v[j]) || v[j] == '_' || isDigitB(v[j])) {
			j++
		}
		if (i == 0 || !isWordB(v[i-1])) && slices.Contains(sqlKeywords, strings.ToLower(v[i:j])) {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

func versioned(r *rand.Rand, v string) (string, bool) {
	kws := keywordAt(v)
	if len(kws) == 0 {
		return v, false
	}
	k := kws[r.IntN(len(kws))]
	return v[:k[0]] + pick(r, "/*!", "/*!50000", "/*!32302 ") + v[k[0]:k[1]] + "*/" + v[k[1]:], true
}

func swapCase(r *rand.Rand, v string) (string, bool) {
	kws := keywordAt(v)
	if len(kws) == 0 {
		return v, false
	}
	k := kws[r.IntN(len(kws))]
	b := []byte(v[k[0]:k[1]])
	for i := range b {
		if r.IntN(2) == 0 {
			b[i] ^= 0x20
		}
	}
	return v[:k[0]] + string(b) + v[k[1]:], true
}

func logicSymbol(r *rand.Rand, v string) (string, bool) {
	for _, k := range keywordAt(v) {
		switch strings.ToLower(v[k[0]:k[1]]) {
		case "or":
			return v[:k[0]] + "||" + v[k[1]:], true
		case "and":
			return v[:k[0]] + "&&" + v[k[1]:], true
		}
	}
	return v, false
}

// tautologies are spellings of a true condition.
var tautologies = []string{"true", "1", "~0", "2>1", "not false", "1 like 1", "'x'='x'", "1=1", "!0"}

// tautology replaces the operand after OR (or ||) with another spelling of
// true; the oracle checks the replaced operand was a constant true.
func tautology(r *rand.Rand, v string) (string, bool) {
	low := strings.ToLower(v)
	var at []int
	for _, w := range []string{"or ", "or\t", "||"} {
		for i := strings.Index(low, w); i >= 0; {
			at = append(at, i+len(w))
			n := strings.Index(low[i+1:], w)
			if n < 0 {
				break
			}
			i += 1 + n
		}
	}
	if len(at) == 0 {
		return v, false
	}
	s := at[r.IntN(len(at))]
	for s < len(v) && v[s] == ' ' {
		s++
	}
	// the operand ends at a blank before a connective, a comment, a
	// parenthesis or the end
	e := s
	for e < len(v) && strings.IndexByte(" \t)#;", v[e]) < 0 && !strings.HasPrefix(v[e:], "--") {
		e++
	}
	if e == s {
		return v, false
	}
	return v[:s] + pick(r, tautologies...) + v[e:], true
}

// sqlContexts put a payload into a statement: a number, a single-quoted
// and a double-quoted string.
var sqlContexts = [][2]string{{"SELECT * FROM t WHERE c = ", ""}, {"SELECT * FROM t WHERE c = '", "'"}, {`SELECT * FROM t WHERE c = "`, `"`}}

// sqlStream returns the normalised token stream of v in the first context
// where it lexes cleanly and does more than fill one literal.
func sqlStream(v string) ([]string, bool) {
	for _, c := range sqlContexts {
		toks, ok := mysqlTokens(c[0] + v + c[1])
		if !ok {
			continue
		}
		// the context's own tokens: select * from t where c = (7); a
		// literal-only payload adds one token (or none)
		if len(toks) <= 8 {
			continue
		}
		return foldConstants(toks), true
	}
	return nil, false
}

// mysqlTokens lexes s as MySQL does: blanks are space, TAB, LF, VT, FF,
// CR; comments are /* */ (a versioned /*! or /*!NNNNN body is code),
// "-- " followed by a blank or the end, and "#", both to the end of the
// line. Words are case-folded, || and && are OR and AND, strings are
// "s:" and their content, numbers "n:" and their value. It fails on an
// unterminated string or block comment.
func mysqlTokens(s string) ([]string, bool) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case strings.IndexByte(" \t\n\v\f\r", c) >= 0:
			i++
		case strings.HasPrefix(s[i:], "/*!"):
			j := i + 3
			for j < len(s) && isDigitB(s[j]) {
				j++
			}
			end := strings.Index(s[j:], "*/")
			if end < 0 {
				return nil, false
			}
			// the body is code: lex it in place
			s = s[:i] + " " + s[j:j+end] + " " + s[j+end+2:]
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, false
			}
			i += 2 + end + 2
		case c == '#' || strings.HasPrefix(s[i:], "--") && (i+2 == len(s) || strings.IndexByte(" \t\n\v\f\r", s[i+2]) >= 0):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				i = len(s)
			} else {
				i += end + 1
			}
		case c == '\'' || c == '"':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(s) {
					return nil, false
				}
				if s[j] == '\\' && j+1 < len(s) {
					b.WriteByte(s[j+1])
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, "s:"+b.String())
			i = j + 1
		case isDigitB(c):
			j := i
			for j < len(s) && (isDigitB(s[j]) || s[j] == '.') {
				j++
			}
			out = append(out, "n:"+s[i:j])
			i = j
		case isWordB(c):
			j := i
			for j < len(s) && isWordB(s[j]) {
				j++
			}
			out = append(out, strings.ToLower(s[i:j]))
			i = j
		case strings.HasPrefix(s[i:], "||"):
			out = append(out, "or")
			i += 2
		case strings.HasPrefix(s[i:], "&&"):
			out = append(out, "and")
			i += 2
		default:
			op := s[i : i+1]
			for _, two := range []string{"<=>", "<>", "!=", ">=", "<="} {
				if strings.HasPrefix(s[i:], two) {
					op = two
					break
				}
			}
			out = append(out, op)
			i += len(op)
		}
	}
	return out, true
}

func isDigitB(c byte) bool { return '0' <= c && c <= '9' }
func isWordB(c byte) bool  { return isLetter(c) || isDigitB(c) || c == '_' || c == '$' || c >= 0x80 }

// boundaries end a run of constants.
var boundaries = map[string]bool{"or": true, "and": true, "xor": true, "(": true, ")": true, ",": true, ";": true,
	"select": true, "union": true, "from": true, "where": true, "order": true, "group": true, "limit": true, "having": true}

// foldConstants replaces every maximal run of constant tokens (literals,
// operators, not, true, false, null) between boundaries with its truth
// value, when it can be evaluated.
func foldConstants(toks []string) []string {
	var out []string
	for i := 0; i < len(toks); {
		if boundaries[toks[i]] {
			out = append(out, toks[i])
			i++
			continue
		}
		j := i
		for j < len(toks) && !boundaries[toks[j]] {
			j++
		}
		if t, ok := evalConst(toks[i:j]); ok {
			out = append(out, t)
		} else {
			out = append(out, toks[i:j]...)
		}
		i = j
	}
	return out
}

// evalConst evaluates literal, ~literal, !literal, not X, and
// literal op literal for comparisons and LIKE, with MySQL's truthiness.
func evalConst(run []string) (string, bool) {
	val, ok := constValue(run)
	if !ok {
		return "", false
	}
	if val.Sign() != 0 {
		return "TRUE", true
	}
	return "FALSE", true
}

var maxUint64 = new(big.Int).SetUint64(^uint64(0))

func constValue(run []string) (*big.Int, bool) {
	switch {
	case len(run) == 0:
		return nil, false
	case len(run) >= 2 && (run[0] == "not" || run[0] == "!"):
		v, ok := constValue(run[1:])
		if !ok {
			return nil, false
		}
		return boolInt(v.Sign() == 0), true
	case len(run) == 2 && run[0] == "~":
		v, ok := literal(run[1])
		if !ok {
			return nil, false
		}
		return new(big.Int).Xor(v, maxUint64), true
	case len(run) == 1:
		return literal(run[0])
	case len(run) == 3:
		a, okA := literal(run[0])
		b, okB := literal(run[2])
		if !okA || !okB {
			return nil, false
		}
		switch cmp := a.Cmp(b); run[1] {
		case "=", "like", "<=>":
			if strings.HasPrefix(run[0], "s:") && strings.HasPrefix(run[2], "s:") {
				return boolInt(strings.EqualFold(run[0], run[2])), true
			}
			return boolInt(cmp == 0), true
		case "<>", "!=":
			return boolInt(cmp != 0), true
		case ">":
			return boolInt(cmp > 0), true
		case "<":
			return boolInt(cmp < 0), true
		case ">=":
			return boolInt(cmp >= 0), true
		case "<=":
			return boolInt(cmp <= 0), true
		}
	}
	return nil, false
}

func boolInt(b bool) *big.Int {
	if b {
		return big.NewInt(1)
	}
	return big.NewInt(0)
}

// literal is a constant's numeric value: numbers, true/false, and strings
// by their leading number (MySQL's cast).
func literal(t string) (*big.Int, bool) {
	switch {
	case t == "true":
		return big.NewInt(1), true
	case t == "false":
		return big.NewInt(0), true
	case strings.HasPrefix(t, "n:"):
		f, err := strconv.ParseFloat(t[2:], 64)
		if err != nil {
			return nil, false
		}
		n, _ := big.NewFloat(f).Int(nil)
		if f != 0 && n.Sign() == 0 {
			n = big.NewInt(1)
		}
		return n, true
	case strings.HasPrefix(t, "s:"):
		s := strings.TrimSpace(t[2:])
		j := 0
		for j < len(s) && (isDigitB(s[j]) || s[j] == '.') {
			j++
		}
		f, _ := strconv.ParseFloat(s[:j], 64)
		n, _ := big.NewFloat(f).Int(nil)
		return n, true
	}
	return nil, false
}
