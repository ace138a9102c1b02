package sensitive

// appendMask appends the JSON string that replaces v, a value of kind index
// k, to dst. Masks keep the last four characters where support staff use them
// to tell values apart; the rest become "*", which no detector accepts, so a
// masked value never matches again. v holds only characters its detector
// accepted, all JSON-safe ASCII, so no escaping is needed.
func appendMask(dst []byte, k int, v []byte) []byte {
	dst = append(dst, '"')
	switch k {
	case idxCard, idxPhone:
		dst = appendKeepLast(dst, v, 4, 0, isDigit)
	case idxIBAN:
		dst = appendKeepLast(dst, v, 4, 2, isAlnum)
	case idxSSN:
		dst = append(dst, "***-**-"...)
		dst = append(dst, v[len(v)-4:]...)
	default:
		dst = appendRedacted(dst, k)
	}
	return append(dst, '"')
}

// appendRedacted appends "[REDACTED:kind]" without quotes.
func appendRedacted(dst []byte, k int) []byte {
	dst = append(dst, "[REDACTED:"...)
	dst = append(dst, kindOf(k)...)
	return append(dst, ']')
}

// appendKeepLast copies v, replacing every character that secret accepts
// with "*" except the first keepFirst and the last keepLast of them; layout
// characters (spaces, dashes, parentheses, "+") stay.
func appendKeepLast(dst, v []byte, keepLast, keepFirst int, secret func(byte) bool) []byte {
	total := 0
	for _, c := range v {
		if secret(c) {
			total++
		}
	}
	seen := 0
	for _, c := range v {
		if secret(c) {
			seen++
			if seen > keepFirst && seen <= total-keepLast {
				c = '*'
			}
		}
		dst = append(dst, c)
	}
	return dst
}
