package inspect

import (
	"unicode"
	"unicode/utf8"
)

// maxFieldBytes bounds Finding.Field: names are attacker-chosen and go to
// audit records and problem details.
const maxFieldBytes = 128

// printable returns name with everything that is not a printable character
// escaped (\xNN for bytes that are not UTF-8, \uNNNN for control, format and
// other invisible runes; a backslash doubled, so escapes stay unambiguous),
// cut to at most maxFieldBytes without splitting a character or an escape.
// Log injection and terminal escapes cannot travel through a finding.
func printable(name string) string {
	clean := len(name) <= maxFieldBytes
	for i := 0; clean && i < len(name); i++ {
		c := name[i]
		clean = c >= 0x20 && c < 0x7f && c != '\\'
	}
	if clean {
		return name
	}
	out := make([]byte, 0, min(len(name), maxFieldBytes))
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		var piece []byte
		var buf [10]byte
		switch {
		case r == utf8.RuneError && size <= 1:
			piece = append(buf[:0], '\\', 'x', hexDigit(name[i]>>4), hexDigit(name[i]&15))
		case r == '\\':
			piece = append(buf[:0], '\\', '\\')
		case unicode.IsPrint(r):
			piece = []byte(name[i : i+size])
		case r <= 0xFFFF:
			piece = append(buf[:0], '\\', 'u')
			for shift := 12; shift >= 0; shift -= 4 {
				piece = append(piece, hexDigit(byte(r>>shift)&15))
			}
		default:
			piece = append(buf[:0], '\\', 'U')
			for shift := 28; shift >= 0; shift -= 4 {
				piece = append(piece, hexDigit(byte(r>>shift)&15))
			}
		}
		if len(out)+len(piece) > maxFieldBytes {
			break
		}
		out = append(out, piece...)
		i += size
	}
	return string(out)
}

func hexDigit(b byte) byte {
	return "0123456789abcdef"[b&15]
}
