package sqli

// hexPayload: a long 0x literal whose bytes are printable ASCII text (or
// UTF-16LE text, as MSSQL's NVARCHAR takes it) that is itself SQL, the
// DECLARE @s ... = 0x...; EXEC(@s) way of smuggling a statement past
// keyword filters. The decoded text goes through the structural rules once;
// hex inside it is not decoded again.
func (s *scan) hexPayload(t token) bool {
	if s.nested {
		return false
	}
	h := s.v[t.start:t.end]
	if len(h) < 2+16 || h[0] != '0' || (h[1]|0x20) != 'x' {
		return false
	}
	h = h[2:]
	if len(h) > 2*maxHexText {
		h = h[:2*maxHexText]
	}
	var buf [maxHexText]byte
	n := 0
	for i := 0; i+1 < len(h); i += 2 {
		b := unhex(h[i])<<4 | unhex(h[i+1])
		if b == 0 {
			continue // UTF-16LE high bytes
		}
		if b < 0x20 || b > 0x7e {
			return false // binary: an id, a hash, an address
		}
		buf[n] = b
		n++
	}
	inner := scan{v: string(buf[:n]), nested: true}
	var toks [64]token
	inner.t = lex(inner.v, toks[:0])
	_, hit := inner.rules()
	return hit
}

// maxHexText bounds the decoded text looked at.
const maxHexText = 256

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10
	}
	return 0
}
