package sqli

// selectQuery: SELECT in a position where a query can start (not after an
// ordinary word: "please select one"), with a select list SQL would write:
//
//   - an expression item (*, a number, a quoted string, a @variable, NULL,
//     CASE, a function call, a parenthesis) followed by what may follow a
//     select item (the end, a comma, FROM, AS, a comment, an operator...),
//     as in SELECT 1,2,3 / (SELECT 285) / SELECT @@version / SELECT * FROM t;
//   - or column names (a, b.c, d) then FROM and a table name, then the end
//     of a statement or a clause, as in SELECT password FROM users--.
//
// "Select the items from your cart" and "Select 2 items" fail both. A value
// that is one whole SELECT statement and nothing more (a reporting API's
// query field) only counts when a comment or ';' cuts the query it lands in.
func (s *scan) selectQuery(i int) bool {
	if i > 0 {
		p := s.t[i-1]
		if p.kind == kWord && !isLogic(p) && p.kw != kwUnion && p.kw != kwAll && p.kw != kwIn &&
			p.kw != kwExec && p.kw != kwThen && p.kw != kwElse && p.kw != kwAs && p.kw != kwFunc {
			return false
		}
		if p.kind == kOther || p.kind == kDot {
			return false
		}
	}
	s.whole = i == 0
	j := i + 1
	for s.is(j, kwDistinct) || s.is(j, kwAll) {
		j++
	}
	if s.is(j, kwTop) && s.at(j+1).kind == kNum {
		if i > 0 && s.t[i-1].kind == kLParen && !plain(s.at(i-2)) {
			return true // (SELECT TOP 1: an MSSQL subquery opened in the payload
		}
		j += 2
	}
	end, ok := s.selectItem(j)
	if !ok {
		return false
	}
	if s.whole {
		return s.cutOff(end)
	}
	return s.selectTail(end)
}

// selectItem reports whether token j starts an expression select item and
// returns the index after it: *, a number, a @variable, NULL, a quoted string,
// a parenthesis or a function call, or column names that FROM follows.
func (s *scan) selectItem(j int) (int, bool) {
	t := s.at(j)
	switch t.kind {
	case kNum, kVar:
		return j + 1, true
	case kArith:
		return j + 1, t.ch == '*'
	case kLParen:
		return s.callArgs(j)
	case kQuote:
		for k := j + 1; k < len(s.t) && k < j+8; k++ {
			if s.t[k].kind == kQuote && s.t[k].ch == t.ch {
				return k + 1, true
			}
		}
	case kWord:
		switch t.kw {
		case kwNull:
			return j + 1, true
		case kwCase:
			return j + 1, s.caseWhen(j)
		case kwNiladic:
			return j + 1, true
		}
		if s.at(j+1).kind == kLParen {
			return s.callArgs(j + 1)
		}
		if s.columnsFrom(j) {
			return j + 1, true
		}
	}
	return j, false
}

// cutOff: for a value that is one whole SELECT, whether a comment or ';'
// ends it (before or right after its FROM table), cutting off the query it
// was put into.
func (s *scan) cutOff(j int) bool {
	for k := j; k < len(s.t) && k < j+40; k++ {
		switch t := s.t[k]; t.kind {
		case kComment, kSemi:
			return true
		case kWord:
			if t.kw != kwFrom {
				continue
			}
			if tb := s.at(k + 1); tb.kind == kWord && (tb.kw == kwCatalog || tb.kw == kwSchema) {
				return true // FROM DUAL, FROM mysql.user: a probe, not a report
			}
			k += 2
			for s.at(k).kind == kDot && s.at(k+1).kind == kWord {
				k += 2
			}
			switch n := s.at(k); n.kind {
			case kComment, kSemi:
				return true
			case kWord: // ... FROM t WHERE: the payload's query runs on into the original
				return k == len(s.t)-1 && (n.kw == kwWhere || isLogic(n))
			}
			return false
		}
	}
	return false
}

// selectTail reports whether token i may follow a select item.
func (s *scan) selectTail(i int) bool {
	t := s.at(i)
	switch t.kind {
	case 0, kComma, kComment, kSemi, kRParen, kCmp, kLogic:
		return true
	case kArith: // not & | / (a URL: ?q=select+*&or=1)
		return t.ch != '&' && t.ch != '|' && t.ch != '/'

	case kWord:
		switch t.kw {
		case kwFrom, kwAs, kwInto, kwWhere, kwLimit, kwOrder, kwGroup, kwUnion, kwHaving, kwOr, kwAnd, kwLike:
			return true
		}
	}
	return false
}

// columnsFrom: name[, name...] FROM table, then a statement end or clause.
func (s *scan) columnsFrom(j int) bool {
	for k := 0; k < 8; k++ {
		c := s.at(j)
		if (c.kind != kWord && (c.kind != kArith || c.ch != '*')) || c.kw == kwFrom {
			return false
		}
		j++
		if s.at(j).kind == kDot || s.at(j).kind == kComma {
			j++
			continue
		}
		break
	}
	if !s.is(j, kwFrom) || s.at(j+1).kind != kWord {
		return false
	}
	j += 2
	for s.at(j).kind == kDot && s.at(j+1).kind == kWord {
		j += 2
	}
	return s.statementEnd(j) || s.at(j).kind == kComma
}
