package sqli

import "strings"

// scan holds a value and its tokens while the structural rules run.
type scan struct {
	v       string
	t       []token
	whole   bool // the SELECT being checked opens the value
	nested  bool // the value is the text of a hex literal
	inProse bool // the value reads as natural language (Complete)
}

// none is the token returned past either end of the stream.
var none token

func (s *scan) at(i int) token {
	if i < 0 || i >= len(s.t) {
		return none
	}
	return s.t[i]
}

func (s *scan) is(i int, kw kwID) bool {
	t := s.at(i)
	return t.kind == kWord && t.kw == kw
}

// boundary reports whether token i sits where injected SQL begins: at the
// start of the value, or right after what closes the original operand (a
// quote, a number, a closing parenthesis, a statement end or a comment).
func (s *scan) boundary(i int) bool {
	if i == 0 {
		return true
	}
	switch s.t[i-1].kind {
	case kQuote, kNum, kRParen, kSemi, kComment:
		return true
	}
	return false
}

// rules runs every structural rule and returns the first that fires.
func (s *scan) rules() (string, bool) {
	if s.numericTautology() {
		return "sqli.tautology", true
	}
	quotes := 0
	for i, t := range s.t {
		var rule string
		switch t.kind {
		case kWord:
			rule = s.wordRule(i, t.kw)
		case kLogic:
			if s.tautology(i) {
				rule = "sqli.tautology"
			}
		case kSemi:
			if s.statement(i+1, true) || s.doStatement(i+1) {
				rule = "sqli.stacked"
			}
		case kQuote:
			quotes++
			if s.quoteComment(i) {
				rule = "sqli.comment"
			}
		case kVar:
			if t.ch == 2 && t.end-t.start > 3 {
				rule = "sqli.variable"
			}
		case kNum:
			if t.end-t.start > 17 && s.hexPayload(t) {
				rule = "sqli.hex"
			}
		case kComment:
			if t.ch == 'q' || t.ch == '!' {
				rule = "sqli.comment"
			}
		}
		if rule != "" {
			return rule, true
		}
	}
	if quotes == 2 && s.stringBreakout() {
		return "sqli.breakout", true
	}
	if s.dense() {
		return "sqli.score", true
	}
	return "", false
}

// wordRule applies the rules anchored on keyword kw at token i.
func (s *scan) wordRule(i int, kw kwID) string {
	switch kw {
	case kwUnion:
		if s.unionSelect(i) {
			return "sqli.union"
		}
	case kwSelect:
		if s.selectQuery(i) {
			return "sqli.select"
		}
	case kwOr, kwAnd, kwWhere, kwHaving:
		if kw == kwWhere && s.inProse && s.constantWhere(i) {
			return ""
		}
		if s.tautology(i) {
			return "sqli.tautology"
		}
	case kwDanger:
		if s.dangerCall(i) {
			return "sqli.function"
		}
	case kwSysProc:
		return "sqli.function"
	case kwSchema, kwCatalog:
		if s.catalog(i) {
			return "sqli.schema"
		}
	case kwOrder, kwGroup:
		if s.orderBy(i) {
			return "sqli.orderby"
		}
	case kwLimit:
		if s.limitProbe(i) {
			return "sqli.orderby"
		}
	case kwLike:
		if s.wildcardLike(i) {
			return "sqli.tautology"
		}
	case kwCase:
		if s.caseWhen(i) {
			return "sqli.case"
		}
	case kwWaitfor:
		if s.is(i+1, kwDelay) && (s.at(i+2).kind == kQuote || s.at(i+2).kind == kNum) {
			return "sqli.function"
		}
	case kwInto:
		if s.is(i+1, kwOutfile) {
			return "sqli.file"
		}
	case kwLoad:
		if s.is(i+1, kwData) && s.is(i+2, kwInfile) {
			return "sqli.file"
		}
	case kwFunc:
		if s.charBuild(i) {
			return "sqli.concat"
		}
		if s.constCondition(i) || s.nestedCalls(i) {
			return "sqli.function"
		}
	case kwDeclare, kwExec, kwShutdown, kwDrop, kwCreate, kwAlter, kwTruncate,
		kwInsert, kwUpdate, kwDelete, kwGrant, kwBackup:
		if s.boundary(i) && s.statement(i, i > 0 && s.t[i-1].kind != kNum) {
			return "sqli.stacked"
		}
	}
	return ""
}

// unionSelect: UNION [ALL|DISTINCT] [(] SELECT.
func (s *scan) unionSelect(i int) bool {
	j := i + 1
	if s.is(j, kwAll) || s.is(j, kwDistinct) {
		j++
	}
	for s.at(j).kind == kLParen {
		j++
	}
	return s.is(j, kwSelect)
}

// plain reports whether t is an ordinary word or number: what prose is made of.
func plain(t token) bool {
	return (t.kind == kWord && t.kw == kwNone) || t.kind == kNum
}

// callArgs reports whether the parenthesised list opening at token j reads as
// SQL arguments rather than prose in brackets: no two plain words or numbers
// side by side ("8 hours", WKT "30 10"). It returns the index after the list.
func (s *scan) callArgs(j int) (int, bool) {
	depth := 0
	for k := j; k < len(s.t); k++ {
		switch s.t[k].kind {
		case kLParen:
			depth++
		case kRParen:
			depth--
			if depth == 0 {
				return k + 1, true
			}
		}
		if k > j && plain(s.t[k]) && plain(s.t[k-1]) {
			return k, false
		}
	}
	return len(s.t), true
}

// dangerCall: a time, error, file or out-of-band primitive called with SQL
// arguments (SLEEP(5), UPDATEXML(1,CONCAT(...),1)) or as a package member
// (DBMS_LOCK.SLEEP, UTL_INADDR.GET_HOST_ADDRESS).
func (s *scan) dangerCall(i int) bool {
	switch s.at(i + 1).kind {
	case kLParen:
		_, ok := s.callArgs(i + 1)
		return ok
	case kDot: // only packages: DBMS_LOCK.SLEEP, not "sleep. What"
		name := s.v[s.t[i].start:s.t[i].end]
		return s.at(i+2).kind == kWord && (strings.IndexByte(name, '_') > 0 || equalFold(name, "ctxsys"))
	}
	return false
}

// charBuild: a string assembled from character codes, CHAR(115,101) or
// CHAR(115)||CHAR(101), the way payloads avoid quotes.
func (s *scan) charBuild(i int) bool {
	name := s.v[s.t[i].start:s.t[i].end]
	if len(name) > 5 || s.at(i+1).kind != kLParen || s.at(i+2).kind != kNum {
		return false // only CHAR, CHR and NCHAR take codes
	}
	if s.at(i+3).kind == kComma {
		return s.at(i+4).kind == kNum // CHAR(115,101)
	}
	if s.at(i+3).kind != kRParen {
		return false
	}
	k := i + 4 // CHAR(115)||CHAR(101), CHAR(115)+CHAR(101), CHAR(115),CHAR(101)
	if s.at(k).kind == kLogic || s.at(k).kind == kComma {
		k++
	}
	n := s.at(k)
	return n.kind == kWord && n.kw == kwFunc && s.at(k+1).kind == kLParen
}

// catalog: a system catalog named as SQL names it: qualified
// (information_schema.tables, master..sysdatabases, mysql.user) or after FROM.
func (s *scan) catalog(i int) bool {
	t := s.t[i]
	prev, next := s.at(i-1), s.at(i+1)
	if t.kw == kwSchema {
		return next.kind == kDot || prev.kind == kDot || (prev.kind == kWord && prev.kw == kwFrom)
	}
	if next.kind != kDot {
		return false
	}
	j := i + 2
	if s.at(j).kind == kDot {
		j++
	}
	w := s.at(j)
	if w.kind != kWord {
		return false
	}
	return (prev.kind == kWord && prev.kw == kwFrom) || w.kw == kwSchema || w.kw == kwObject || w.kw == kwSysProc
}

// orderBy: ORDER BY n or GROUP BY n where injected SQL begins, the column
// count probe: a number followed by the end, a comment, a list or ASC/DESC.
func (s *scan) orderBy(i int) bool {
	if !s.is(i+1, kwBy) || s.at(i+2).kind != kNum || !s.boundary(i) {
		return false
	}
	n := s.at(i + 3)
	switch n.kind {
	case 0, kComment, kComma, kSemi, kRParen, kQuote:
		return true
	case kWord:
		return n.kw == kwAscDesc || n.kw == kwLimit || n.kw == kwUnion || n.kw == kwHaving
	}
	return false
}

// caseWhen: CASE WHEN <comparison or call> ... THEN, or a CASE expression
// completed with END: CASE WHEN 's' THEN 3 END, the simple form
// CASE 1 WHEN 2 THEN 2 END.
func (s *scan) caseWhen(i int) bool {
	j := i + 1
	if s.at(j).kind == kLParen {
		j++
	}
	simple := false
	if !s.is(j, kwWhen) {
		k := s.operand(j) // CASE <operand> WHEN
		if k == j || k > j+3 || !s.literal(j, k) || !s.is(k, kwWhen) {
			return false
		}
		j, simple = k, true
	}
	expr := false
	for k := j + 1; k < len(s.t) && k < j+20; k++ {
		t := s.t[k]
		if t.kind == kWord && t.kw == kwThen {
			if expr && !simple {
				return true
			}
			return s.caseEnd(k + 1)
		}
		if isCmp(t) || t.kind == kLParen || t.kind == kNum {
			expr = true
		}
	}
	return false
}

// caseEnd: a short literal result then ELSE ... or END, closing a CASE.
func (s *scan) caseEnd(j int) bool {
	k := s.operand(j)
	if k == j || !s.literal(j, k) {
		return false
	}
	return s.is(k, kwEnd) || s.is(k, kwElse)
}

// constCondition: a conditional or set function whose first argument is a
// comparison of constants, IF(1=1,...), ELT(5=5,...), MAKE_SET(3=4,...),
// IIF(2=3,...): the boolean oracle of blind injection.
func (s *scan) constCondition(i int) bool {
	if s.at(i+1).kind != kLParen {
		return false
	}
	a0 := i + 2
	a1 := s.operand(a0)
	if a1 == a0 || !isCmp(s.at(a1)) || !s.literal(a0, a1) {
		return false
	}
	b1 := s.operand(a1 + 1)
	if b1 == a1+1 || !s.literal(a1+1, b1) {
		return false
	}
	n := s.at(b1)
	return n.kind == kComma || n.kind == kRParen
}

// doStatement: MySQL's DO statement evaluating an expression after a
// statement separator, 1;DO (1=1), ;DO SLEEP(5).
func (s *scan) doStatement(i int) bool {
	t := s.at(i)
	if t.kind != kWord || !equalFold(s.v[t.start:t.end], "do") {
		return false
	}
	n := s.at(i + 1)
	return n.kind == kLParen || (n.kind == kWord && n.kw == kwDanger)
}

// limitProbe: LIMIT n[,m] where injected SQL begins, cutting the result
// to one row: limit 0,1--, ...) LIMIT 1,1.
func (s *scan) limitProbe(i int) bool {
	if s.at(i+1).kind != kNum || !s.boundary(i) {
		return false
	}
	j, pair := i+2, false
	if s.at(j).kind == kComma && s.at(j+1).kind == kNum {
		j, pair = j+2, true
	}
	switch s.at(j).kind {
	case kComment, kSemi:
		return true
	case 0:
		p := s.at(i - 1).kind
		return p == kRParen || p == kQuote || (pair && i > 0)
	}
	return false
}

// wildcardLike: LIKE with a pattern of wildcards alone ('%', '_%'), which
// matches every row, at the start of the value or in a condition a
// connective opened: ' like '%', 1 or name like '%'.
func (s *scan) wildcardLike(i int) bool {
	q := s.at(i + 1)
	if q.kind != kQuote {
		return false
	}
	k := int(q.end)
	for k < len(s.v) && (s.v[k] == '%' || s.v[k] == '_' || s.v[k] == '*') {
		k++
	}
	if k == int(q.end) || (k < len(s.v) && s.v[k] != q.ch) {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if isLogic(s.t[j]) {
			return true
		}
	}
	return i == 0
}

// nestedCalls: SQL functions called inside one another three deep,
// f(g(h(...))), the way blind and heavy-query payloads build values
// (REPEAT(RIGHT(CHAR(...)))).
func (s *scan) nestedCalls(i int) bool {
	for d := 0; d < 3; d++ {
		t := s.at(i + 2*d)
		if t.kind != kWord || (t.kw != kwFunc && t.kw != kwDanger) || s.at(i+2*d+1).kind != kLParen {
			return false
		}
	}
	return true
}
