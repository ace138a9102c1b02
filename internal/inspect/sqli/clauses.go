package sqli

// The clause rules: boolean conditions, statements, SELECT and comments.

// tautology: a boolean connective (OR, AND, XOR, ||, &&) or WHERE/HAVING
// followed by a condition, where injected SQL begins. After a quote or a
// closing parenthesis (the payload broke out of a string or group) any
// comparison counts: ' OR name LIKE 'a%. After a leading number or at the
// start of the value the comparison must be constant (1=1, 'a'='a', 2>1, x=x),
// because "10 and price <= 20" is a search filter, not an injection. A lone
// literal counts when a comment or the closing quote ends the payload:
// ' OR 1--, 1 OR TRUE#.
func (s *scan) tautology(i int) bool {
	t := s.t[i]
	where := t.kind == kWord && (t.kw == kwWhere || t.kw == kwHaving)
	prev := s.at(i - 1)
	breakout := i > 0 && prev.kind == kQuote
	lead := i == 0 || breakout || prev.kind == kRParen || prev.kind == kComment ||
		(prev.kind == kNum && s.leadingNumber(i-1))
	j := i + 1
	for s.at(j).kind == kLParen || s.is(j, kwNot) || (s.at(j).kind == kArith && s.at(j).ch == '!') {
		j++
	}
	a0 := j
	a1 := s.operand(j)
	if a1 == a0 {
		return false
	}
	c := a1
	if s.is(c, kwNot) { // NOT LIKE, NOT BETWEEN
		c++
	}
	if s.is(c, kwIs) && !s.is(c+1, kwNull) && !s.is(c+1, kwTrue) && !s.is(c+1, kwNot) {
		return false // IS compares only with NULL, TRUE, FALSE; otherwise it is English
	}
	if isCmp(s.at(c)) {
		b0 := c + 1
		if s.is(b0, kwNot) {
			b0++
		}
		if s.is(c, kwLike) && s.is(b0, kwLike) {
			b0++ // SOUNDS LIKE
		}
		if s.at(b0).kind == kLParen && s.is(b0+1, kwSelect) {
			return lead || where // = (SELECT ...): a subquery compared
		}
		b1 := s.operand(b0)
		if b1 == b0 {
			return false
		}
		if s.same(a0, a1, b0, b1) {
			return true // x=x after a connective is a tautology wherever it is
		}
		if !lead && !where {
			return false
		}
		if i == 0 && s.at(c).kind == kCmp {
			return true // OR x=y as the whole value: the numeric-context form
		}
		return breakout || (s.literal(a0, a1) && s.literal(b0, b1)) || s.calls(a0, a1, true) || s.calls(b0, b1, true)
	}
	if breakout && s.calls(a0, a1, false) {
		return true // ' || f('x') || ': a call spliced into the string
	}
	if where || !lead || !s.truthy(a0, a1) {
		return false
	}
	switch s.at(a1).kind {
	case kComment:
		return true
	case 0:
		return breakout || i == 0 // ' OR 1 / AND false as the whole value
	}
	return false
}

// constantWhere reports, for a value read as prose (Complete), that the
// WHERE at token i adds nothing an injection can use: a clause comparing two
// constants (WHERE 1=1, WHERE 'a'<>'b', WHERE NULL IS NULL) that nothing
// continues — the value ends after it, or goes on with what cannot extend a
// condition (a `quoted identifier`, or a connective without an operand
// after it: "WHERE 1=1 AND ...") — and no comment or ';' anywhere after it.
//
// Such a clause is not an injection wherever the value lands: in a
// statement that has a WHERE of its own (every WHERE, UPDATE … WHERE,
// DELETE and most SELECTs put the value after it), a second WHERE that no
// comment or stacked statement cuts off is a syntax error; in one that has
// none (a select list, an alias, an UPDATE without WHERE), a WHERE can only
// remove rows, and a condition of constants removes all or none whatever
// the data, so it reads nothing. A condition naming a column (WHERE
// password > 'm' is a blind oracle there), a call, a subquery, a comment or
// a stacked statement keeps the finding; so does HAVING (HAVING 1=1 makes
// SQL Server name the columns in an error).
func (s *scan) constantWhere(i int) bool {
	j := i + 1
	for s.at(j).kind == kLParen || s.is(j, kwNot) {
		j++
	}
	a := s.constant(j)
	if a == j {
		return false
	}
	c := a
	switch {
	case s.at(c).kind == kCmp:
		c++
	case s.is(c, kwIs):
		c++
		if s.is(c, kwNot) {
			c++
		}
	default:
		return false
	}
	b := s.constant(c)
	if b == c {
		return false
	}
	for b < len(s.t) && s.t[b].kind == kRParen {
		b++
	}
	for k := b; k < len(s.t); k++ {
		if s.t[k].kind == kComment || s.t[k].kind == kSemi {
			return false
		}
	}
	e := s.at(b)
	switch {
	case b >= len(s.t):
		return true
	case e.kind == kQuote && e.ch == '`':
		return true // an identifier cannot follow a condition
	case isLogic(e):
		return !s.operandStart(b + 1)
	}
	return false
}

// constant returns the end of a constant operand at token j — a number
// (signed), NULL, TRUE or FALSE, or a single-quoted string closed within
// the value — or j when there is none. Backtick- and double-quoted text is
// not a constant: both name columns in some dialect.
func (s *scan) constant(j int) int {
	t := s.at(j)
	switch {
	case t.kind == kArith && (t.ch == '-' || t.ch == '+') && s.at(j+1).kind == kNum:
		return j + 2
	case t.kind == kNum, t.kind == kWord && (t.kw == kwNull || t.kw == kwTrue):
		return j + 1
	case t.kind == kQuote && t.ch == '\'':
		for k := j + 1; k < len(s.t); k++ {
			if s.t[k].kind == kQuote && s.t[k].ch == '\'' {
				return k + 1
			}
		}
	}
	return j
}

// operandStart reports whether token j can begin an operand: a word, a
// number, a quote, a variable, a parenthesis, a unary operator, a
// placeholder (? :name $1) or a number written .5.
func (s *scan) operandStart(j int) bool {
	t := s.at(j)
	switch t.kind {
	case kWord, kNum, kQuote, kVar, kLParen, kOther:
		return true
	case kArith:
		return t.ch == '-' || t.ch == '+' || t.ch == '~' || t.ch == '!'
	case kDot:
		n := s.at(j + 1)
		return n.kind == kNum && n.start == t.end
	}
	return false
}

// calls reports whether tokens [a, b) call a SQL function: blind
// injection compares ASCII(SUBSTRING(...)) or LENGTH(USER()) with a guess.
// With sqlOnly, only known SQL functions count.
func (s *scan) calls(a, b int, sqlOnly bool) bool {
	for k := a; k < b; k++ {
		t := s.t[k]
		if t.kind != kWord || s.at(k+1).kind != kLParen {
			continue
		}
		if !sqlOnly || t.kw == kwFunc || t.kw == kwDanger || t.kw == kwCount {
			return true
		}
	}
	return false
}

// truthy reports whether tokens [a, b) are a lone true literal as a payload
// ends one: a number, TRUE, or a quote opening a literal that the query's
// own closing quote will end (' OR '1). A closed string ("a" AND "b") is
// search syntax, not a condition.
func (s *scan) truthy(a, b int) bool {
	t := s.t[a]
	quotes := true
	for k := a; k < b; k++ {
		quotes = quotes && s.t[k].kind == kQuote
	}
	switch {
	case quotes && b-a >= 2:
		return true // ' OR '' ': an empty string the query's quote completes
	case b-a == 1:
		return t.kind == kNum || (t.kind == kWord && t.kw == kwTrue)
	case b-a == 2 && t.kind == kQuote:
		n := s.t[a+1]
		return n.kind == kNum || n.kind == kWord
	}
	return false
}

// leadingNumber reports whether the number at token i opens the value
// (optionally signed or after a quote, parenthesis or comment): the original
// operand the payload follows.
func (s *scan) leadingNumber(i int) bool {
	j := i - 1
	for s.at(j).kind == kArith && s.at(j-1).kind == kNum { // -7999 % 0x1d
		j -= 2
	}
	if t := s.at(j); t.kind == kArith && t.ch == '-' {
		j--
	}
	if j < 0 {
		return true
	}
	switch s.t[j].kind {
	case kQuote, kLParen, kRParen, kComment, kSemi:
		return true
	}
	return false
}

// operand returns the end of a short SQL operand starting at token j: up to
// six numbers, quotes, words, variables, arithmetic and calls.
func (s *scan) operand(j int) int {
	for n := 0; j < len(s.t) && n < 6; n++ {
		t := s.t[j]
		switch t.kind {
		case kWord:
			switch t.kw {
			case kwNone, kwNull, kwTrue, kwFunc, kwDanger, kwCount, kwObject, kwCatalog:
			default:
				return j
			}
			if s.at(j+1).kind == kLParen {
				end, ok := s.callArgs(j + 1)
				if !ok {
					return j
				}
				j = end
				continue
			}
		case kNum, kQuote, kVar, kDot:
		case kArith:
			if t.ch == '&' || t.ch == '|' || t.ch == '!' {
				return j
			}
		default:
			return j
		}
		j++
	}
	return j
}

// literal reports whether tokens [a, b) are a constant: numbers, quoted text,
// NULL, TRUE/FALSE, arithmetic between them.
func (s *scan) literal(a, b int) bool {
	var open byte
	for k := a; k < b; k++ {
		t := s.t[k]
		quoted := open != 0
		switch t.kind {
		case kQuote:
			if open == 0 {
				open = t.ch
			} else if open == t.ch {
				open = 0
			}
		case kNum, kArith:
		case kWord:
			if !quoted && t.kw != kwNull && t.kw != kwTrue {
				return false
			}
		default:
			if !quoted {
				return false
			}
		}
	}
	return true
}

// same reports whether two operands are the same text apart from quotes and
// case: x=x, 'a'='a, "b"="b".
func (s *scan) same(a0, a1, b0, b1 int) bool {
	for a0 < a1 && s.t[a0].kind == kQuote {
		a0++
	}
	for b0 < b1 && s.t[b0].kind == kQuote {
		b0++
	}
	for a1 > a0 && s.t[a1-1].kind == kQuote {
		a1--
	}
	for b1 > b0 && s.t[b1-1].kind == kQuote {
		b1--
	}
	if a1-a0 != b1-b0 || a1 == a0 {
		return false
	}
	for k := 0; k < a1-a0; k++ {
		x, y := s.t[a0+k], s.t[b0+k]
		if !equalFold(s.v[x.start:x.end], s.v[y.start:y.end]) {
			return false
		}
	}
	return true
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// statement reports whether token i starts a SQL statement with its
// grammar, not just its verb: INSERT INTO, UPDATE t SET, DELETE FROM t,
// DROP TABLE t, EXEC xp_..., DECLARE @v, SHUTDOWN, WAITFOR DELAY. afterSemi
// says a statement separator came first, which is enough for SELECT with an
// SQL select list and for SET @v.
func (s *scan) statement(i int, afterSemi bool) bool {
	t := s.at(i)
	if t.kind != kWord {
		return false
	}
	n := s.at(i + 1)
	switch t.kw {
	case kwSelect:
		return s.selectQuery(i)
	case kwInsert:
		return s.is(i+1, kwInto) && s.at(i+2).kind == kWord
	case kwUpdate:
		return n.kind == kWord && s.is(i+2, kwSet) && s.at(i+3).kind == kWord && isCmp(s.at(i+4))
	case kwDelete:
		return s.is(i+1, kwFrom) && s.at(i+2).kind == kWord && s.statementEnd(i+3)
	case kwDrop, kwCreate, kwAlter, kwTruncate:
		if n.kind == kWord && n.kw == kwObject {
			return s.at(i+2).kind == kWord && (afterSemi || s.statementEnd(i+3) ||
				s.at(i+3).kind == kLParen || s.at(i+3).kind == kDot)
		}
		return t.kw == kwTruncate && afterSemi && n.kind == kWord && s.statementEnd(i+2)
	case kwExec:
		switch n.kind {
		case kVar, kLParen:
			return true
		case kWord:
			return n.kw == kwSysProc || n.kw == kwCatalog || s.at(i+2).kind == kDot ||
				(afterSemi && s.statementEnd(i+2))
		}
	case kwDeclare:
		return n.kind == kVar
	case kwGrant: // GRANT dba TO x, REVOKE ... ON t FROM x
		for k := i + 2; k < len(s.t) && k < i+8; k++ {
			if t := s.t[k]; t.kind == kWord && (t.kw == kwFrom || equalFold(s.v[t.start:t.end], "to") || equalFold(s.v[t.start:t.end], "on")) {
				return afterSemi || s.statementEnd(len(s.t)-1)
			}
		}
	case kwBackup: // BACKUP DATABASE x TO ..., COPY t FROM/TO 'file' or PROGRAM
		if n.kind == kWord && n.kw == kwObject {
			return true
		}
		return n.kind == kWord && (s.is(i+2, kwFrom) || equalFold(s.v[s.at(i+2).start:s.at(i+2).end], "to")) &&
			s.at(i+3).kind == kQuote
	case kwShutdown:
		return s.statementEnd(i+1) || s.is(i+1, kwWith)
	case kwWaitfor:
		return s.is(i+1, kwDelay)
	case kwSet:
		return afterSemi && n.kind == kVar
	case kwBegin:
		return afterSemi && n.kind == kWord && (n.kw == kwDanger || n.kw == kwDeclare)
	}
	return false
}

// statementEnd reports whether token i ends a statement: the end of the
// value, a separator, a comment, a closing parenthesis or quote, or a clause.
func (s *scan) statementEnd(i int) bool {
	t := s.at(i)
	switch t.kind {
	case 0, kSemi, kComment, kRParen, kQuote:
		return true
	case kWord:
		switch t.kw {
		case kwWhere, kwLimit, kwOrder, kwGroup, kwUnion, kwHaving, kwInto:
			return i+1 < len(s.t)
		}
	}
	return false
}

// quoteComment: a quote (closing the string the value was put in) followed,
// perhaps after ) or ;, by a comment that cuts off the rest of the query:
// admin'--, ')#, "/*. The quote must be unbalanced within the value and
// at most two tokens may follow the comment, so 'quoted' -- remarks in prose
// do not count; nothing may follow a '#' (a hashtag, a colour, "No. 5'# two").
// The original value before the quote is short: after prose a quote is a
// quotation mark or an inch sign.
func (s *scan) quoteComment(i int) bool {
	j := i + 1
	for s.at(j).kind == kRParen || s.at(j).kind == kSemi {
		j++
	}
	c := s.at(j)
	if c.kind != kComment || len(s.t)-j-1 > 2 || s.prose(i) {
		return false
	}
	if c.ch == '#' && j+1 < len(s.t) {
		return false
	}
	q := s.t[i].ch
	odd := false
	for k := 0; k <= i; k++ {
		if s.t[k].kind == kQuote && s.t[k].ch == q {
			odd = !odd
		}
	}
	return odd
}

// prose reports whether more than two words or numbers come before token i:
// what precedes an injection is the short original value (admin, 12, x).
func (s *scan) prose(i int) bool {
	n := 0
	for k := 0; k < i; k++ {
		if plain(s.t[k]) {
			n++
		}
	}
	return n > 2
}

// numericTautology: the whole value is a number (the operand of a numeric
// context), OR or || and a constant MySQL reads as true, spelled the way
// payloads spell it — TRUE, ~N, !0, NOT FALSE, NOT 0, the same number again,
// or any non-zero number after || — then the end, a comment, a statement
// end, LIMIT or ORDER: "1 OR 1", "1 || 2", "1 OR ~0", "5 OR TRUE#". In
// words, two different numbers ("1 or 2") are a choice and pass.
func (s *scan) numericTautology() bool {
	k := 0
	if t := s.at(0); t.kind == kArith && t.ch == '-' {
		k = 1
	}
	lead := s.at(k)
	if lead.kind != kNum {
		return false
	}
	conn := s.at(k + 1)
	symbol := conn.kind == kLogic && conn.ch == '|'
	if !symbol && !(conn.kind == kWord && equalFold(s.text(conn), "or")) {
		return false
	}
	j, num := k+2, func(t token, text string) bool { return t.kind == kNum && s.text(t) == text }
	switch t := s.at(j); {
	case t.kind == kNum && s.text(t) != "0" && (symbol || s.text(t) == s.text(lead)):
		j++
	case t.kind == kWord && equalFold(s.text(t), "true"):
		j++
	case t.kind == kArith && t.ch == '~' && s.at(j+1).kind == kNum:
		j += 2
	case t.kind == kArith && t.ch == '!' && num(s.at(j+1), "0"):
		j += 2
	case s.is(j, kwNot) && (num(s.at(j+1), "0") || equalFold(s.text(s.at(j+1)), "false")):
		j += 2
	default:
		return false
	}
	switch n := s.at(j); {
	case n.kind == 0, n.kind == kComment, n.kind == kSemi:
		return true
	case n.kind == kWord && (n.kw == kwLimit || n.kw == kwOrder):
		return true
	}
	return false
}

// text is the source text of a token.
func (s *scan) text(t token) string { return s.v[t.start:t.end] }
