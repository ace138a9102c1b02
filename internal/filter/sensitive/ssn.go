package sensitive

// isSSN reports whether t is a US social security number AAA-GG-SSSS in a
// range the SSA can issue: area not 000, 666 or 900–999, group not 00, serial
// not 0000. The dashes are required; nine bare digits are ids far more often.
func isSSN(t []byte) bool {
	if len(t) != 11 || t[3] != '-' || t[6] != '-' {
		return false
	}
	if run(t[:3], isDigit) != 3 || run(t[4:6], isDigit) != 2 || run(t[7:], isDigit) != 4 {
		return false
	}
	area := string(t[:3])
	return area != "000" && area != "666" && t[0] != '9' &&
		string(t[4:6]) != "00" && string(t[7:]) != "0000"
}
