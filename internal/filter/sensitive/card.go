package sensitive

// isCard reports whether t is a payment card number: 13–19 digits, bare or
// grouped, Luhn-valid, in a known issuer (IIN) range at a length that issuer
// uses. The IIN and length checks are what keep timestamps (a leading 1),
// ISBNs (978/979) and random Luhn-valid ids (one in ten) out.
func isCard(t []byte) bool {
	var (
		d      [19]byte
		nd     int
		groups [6]int
		ng     int
		cur    int
		sep    byte
	)
	for _, c := range t {
		switch {
		case isDigit(c):
			if nd == len(d) {
				return false
			}
			d[nd] = c - '0'
			nd++
			cur++
		case c == ' ' || c == '-':
			if cur == 0 || (sep != 0 && c != sep) || ng == len(groups)-1 {
				return false // leading, doubled or mixed separators
			}
			sep = c
			groups[ng] = cur
			ng++
			cur = 0
		default:
			return false
		}
	}
	if cur == 0 || nd < 13 {
		return false
	}
	groups[ng] = cur
	ng++
	if ng > 1 && !cardGrouping(groups[:ng]) {
		return false
	}
	return cardIssuer(d[:nd]) && luhn(d[:nd])
}

// cardGrouping accepts the printed layouts: 4-4-4-4(-1..4), 4-6-5 and 4-6-4.
func cardGrouping(g []int) bool {
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4) {
		return true
	}
	for i, n := range g {
		last := i == len(g)-1
		if (!last && n != 4) || (last && (n < 1 || n > 4)) {
			return false
		}
	}
	return true
}

// cardIssuer checks the IIN prefix and the lengths its network issues.
func cardIssuer(d []byte) bool {
	n := len(d)
	p2 := int(d[0])*10 + int(d[1])
	p3 := p2*10 + int(d[2])
	p4 := p3*10 + int(d[3])
	switch {
	case d[0] == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p2 == 65, p3 >= 644 && p3 <= 649, p2 == 62: // Discover, UnionPay
		return n >= 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p2 == 36 || p2 == 38 || p2 == 39, p3 >= 300 && p3 <= 305: // Diners Club
		return n >= 14
	}
	return false
}

// luhn is the ISO/IEC 7812 check digit test.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
