package sensitive

import "bytes"

// isPasswordHash reports whether t is a stored password hash in one of the
// common encodings. Hashes are offline-crackable; they never belong in a
// response. Strings that merely start with "$" ("$100.00", "$HOME/bin") fail
// the field structure.
func isPasswordHash(t []byte) bool {
	switch {
	case len(t) == 60 && (hasPrefix(t, "$2a$") || hasPrefix(t, "$2b$") || hasPrefix(t, "$2y$") || hasPrefix(t, "$2x$")):
		// bcrypt: $2b$NN$ + 22 salt + 31 hash characters.
		return isDigit(t[4]) && isDigit(t[5]) && t[6] == '$' && run(t[7:], isCryptChar) == 53
	case hasPrefix(t, "$argon2id$") || hasPrefix(t, "$argon2i$") || hasPrefix(t, "$argon2d$"):
		rest := t[bytes.IndexByte(t[1:], '$')+2:]
		return bytes.Contains(rest, []byte("m=")) && mcfFields(rest, 3, 16)
	case hasPrefix(t, "$scrypt$"):
		return mcfFields(t[len("$scrypt$"):], 3, 16)
	case hasPrefix(t, "$7$"):
		return mcfFields(t[len("$7$"):], 2, 16)
	case hasPrefix(t, "$pbkdf2$") || hasPrefix(t, "$pbkdf2-"):
		rest := t[bytes.IndexByte(t[1:], '$')+2:]
		return len(rest) > 0 && isDigit(rest[0]) && mcfFields(rest, 3, 16)
	case hasPrefix(t, "pbkdf2_sha256$") || hasPrefix(t, "pbkdf2_sha1$"):
		rest := t[bytes.IndexByte(t, '$')+1:]
		return len(rest) > 0 && isDigit(rest[0]) && mcfFields(rest, 3, 16)
	case hasPrefix(t, "$6$") || hasPrefix(t, "$5$"):
		rest := t[3:]
		if hasPrefix(rest, "rounds=") {
			rest = rest[bytes.IndexByte(rest, '$')+1:]
		}
		want := 86
		if t[1] == '5' {
			want = 43
		}
		salt := bytes.IndexByte(rest, '$')
		return salt >= 1 && salt <= 16 && run(rest[:salt], isCryptChar) == salt &&
			len(rest)-salt-1 == want && run(rest[salt+1:], isCryptChar) == want
	}
	return false
}

// mcfFields checks a modular-crypt tail "f1$f2$…$fn": at least minFields
// non-empty fields of [A-Za-z0-9./+=,-] and a last field (the hash) at least
// minLast long.
func mcfFields(rest []byte, minFields, minLast int) bool {
	fields, cur := 0, 0
	for _, c := range rest {
		if c == '$' {
			if cur == 0 {
				return false
			}
			fields++
			cur = 0
			continue
		}
		if !isCryptChar(c) && c != '+' && c != '=' && c != ',' && c != '-' {
			return false
		}
		cur++
	}
	return cur >= minLast && fields+1 >= minFields
}

// isCryptChar is the crypt(3) base64 alphabet [./A-Za-z0-9].
func isCryptChar(c byte) bool { return isAlnum(c) || c == '.' || c == '/' }
