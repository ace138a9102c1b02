package sensitive

// isPhone reports whether t is a telephone number written as one: E.164
// ("+14155550100") or a formatted form starting with "+" or "(" such as
// "+1 (415) 555-0100", "(415) 555-0100" or "+44 20 7946 0958". The leading
// "+" or "(" is required: bare digit strings are ids and amounts far more
// often than phones. 8–15 digits (E.164 allows at most 15).
func isPhone(t []byte) bool {
	var (
		digits, groups, singles, cur int
		parenUsed, inParen           bool
		parenDigits                  int
		prev                         byte // previous character, 0 at the start
	)
	i := 0
	if t[0] == '+' {
		if len(t) < 2 || t[1] < '1' || t[1] > '9' {
			return false // country codes never start with 0
		}
		if looksLikeDate(t[1:]) {
			return false // "+2024-11-28", a signed ISO date
		}
		i = 1
	}
	for ; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			digits++
			cur++
			if inParen {
				parenDigits++
			}
		case c == '(':
			if parenUsed || (prev != 0 && prev != '+' && prev != ' ') {
				return false
			}
			parenUsed, inParen, parenDigits = true, true, 0
		case c == ')':
			if !inParen || parenDigits == 0 || parenDigits > 4 {
				return false
			}
			inParen = false
		case c == ' ' || c == '-' || c == '.':
			if inParen || !(isDigit(prev) || (c == ' ' && prev == ')')) {
				return false // separators sit between digits
			}
		default:
			return false
		}
		if !isDigit(c) && cur > 0 {
			groups, singles = endGroup(groups, singles, cur)
			cur = 0
		}
		prev = c
	}
	if inParen || cur < 2 {
		return false // the last group has two digits or more
	}
	groups, singles = endGroup(groups, singles, cur)
	return digits >= 8 && digits <= 15 && groups <= 7 && singles <= 2
}

// endGroup counts a finished run of digits; single digits are counted apart,
// since "+1.2.3.4.5.6.7.8" is a version, not a phone.
func endGroup(groups, singles, n int) (int, int) {
	if n == 1 {
		singles++
	}
	return groups + 1, singles
}

// looksLikeDate reports a leading YYYY-MM-DD.
func looksLikeDate(t []byte) bool {
	return len(t) >= 10 && run(t[:4], isDigit) == 4 && t[4] == '-' &&
		isDigit(t[5]) && isDigit(t[6]) && t[7] == '-' && isDigit(t[8]) && isDigit(t[9])
}
