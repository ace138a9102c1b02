package sqli

// The score rule is the fallback for payloads mangled until no grammar rule
// parses them (WAF-evasion mutations that split keywords, replace
// parentheses with junk or wrap numbers in sub-selects): SQL vocabulary and
// operators are weighed against the ordinary words around them. A value with
// enough SQL weight and few plain words is SQL-dense, whatever its syntax.

const (
	scoreMin   = 7 // total weight needed
	scoreRatio = 2 // weight must be at least this many times the plain words
)

// weights of keyword classes; 0 for the rest.
var kwWeight = [kwMax]uint8{
	kwDanger: 3, kwSysProc: 3, kwSelect: 2, kwUnion: 2, kwWaitfor: 2, kwSchema: 2,
	kwCatalog: 1, kwFrom: 1, kwWhere: 1, kwHaving: 1, kwLimit: 1, kwOrder: 1,
	kwGroup: 1, kwCase: 1, kwWhen: 1, kwThen: 1, kwFunc: 1, kwCount: 1, kwNull: 1,
	kwExec: 1, kwDeclare: 1, kwDelay: 1, kwNiladic: 1, kwInto: 1,
}

// dense reports whether the tokens weigh as SQL.
func (s *scan) dense() bool {
	score, words := 0, 0
	for i, t := range s.t {
		switch t.kind {
		case kWord:
			if t.kw == kwNone {
				if t.end-t.start > 1 {
					words++
				}
				continue
			}
			if isLogic(t) {
				score += s.operatorWeight(i)
				continue
			}
			score += int(kwWeight[t.kw])
		case kLogic, kCmp:
			score += s.operatorWeight(i)
		case kComment:
			score++
			if i >= len(s.t)-2 {
				score++
			}
		case kVar:
			if t.ch == 2 {
				score += 2
			}
		}
	}
	return score >= scoreMin && score >= scoreRatio*words
}

// operatorWeight: 1 for a connective or comparison with a number, quote or
// parenthesis beside it (1=1, ' OR, ) AND), 0 between words.
func (s *scan) operatorWeight(i int) int {
	for _, t := range [2]token{s.at(i - 1), s.at(i + 1)} {
		switch t.kind {
		case kNum, kQuote, kLParen, kRParen:
			return 1
		}
	}
	return 0
}
