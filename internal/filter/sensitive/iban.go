package sensitive

// ibanLengths lists IBAN lengths per country (SWIFT IBAN registry) as
// "CCnn" entries; an immutable table scanned only for candidates.
const ibanLengths = "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24" +
	"DE22DJ27DK18DO28EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28" +
	"HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25" +
	"MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28PS29PT25QA29" +
	"RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29" +
	"VA22VG24XK20YE30"

// ibanLength returns the registered length for country c0c1, or 0.
func ibanLength(c0, c1 byte) int {
	for i := 0; i+4 <= len(ibanLengths); i += 4 {
		if ibanLengths[i] == c0 && ibanLengths[i+1] == c1 {
			return int(ibanLengths[i+2]-'0')*10 + int(ibanLengths[i+3]-'0')
		}
	}
	return 0
}

// isIBAN reports whether t is an IBAN in electronic ("DE89370400440532013000")
// or print form (single spaces between groups): upper-case, the country's
// length, and ISO 7064 mod 97-10 = 1.
func isIBAN(t []byte) bool {
	var c [34]byte
	n := 0
	for i, ch := range t {
		if ch == ' ' {
			if i == 0 || i == len(t)-1 || t[i-1] == ' ' {
				return false
			}
			continue
		}
		if n == len(c) || !(isUpper(ch) || isDigit(ch)) {
			return false
		}
		c[n] = ch
		n++
	}
	if n < 15 || !isUpper(c[0]) || !isUpper(c[1]) || !isDigit(c[2]) || !isDigit(c[3]) {
		return false
	}
	if ibanLength(c[0], c[1]) != n {
		return false
	}
	rem := 0
	for k := range n {
		ch := c[(k+4)%n] // the first four characters move to the end
		if isDigit(ch) {
			rem = (rem*10 + int(ch-'0')) % 97
		} else {
			rem = (rem*100 + int(ch-'A') + 10) % 97
		}
	}
	return rem == 1
}
