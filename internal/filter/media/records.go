package media

import "bytes"

// rs is the record separator of a JSON text sequence (RFC 7464 §2.1).
const rs = 0x1E

// Records applies fn to each record of body and returns body with every record
// replaced by fn's result. With seq false the records are the lines of
// newline-delimited JSON (the "\n" stays, a "\r" before it is given to fn as
// whitespace); with seq true they are the RS-prefixed texts of a JSON text
// sequence (the RS stays, the text and its trailing LF go to fn). Blank records
// are kept as they are and not given to fn; in a sequence, text before the
// first RS is a record too (filtered, not skipped). fn returns its
// argument itself for a record it leaves unchanged; when every record is
// unchanged Records returns body itself, without copying. The first error from
// fn stops the walk.
func Records(body []byte, seq bool, fn func(rec []byte) ([]byte, error)) ([]byte, error) {
	sep := byte('\n')
	if seq {
		sep = rs
	}
	var out []byte
	copied := 0
	for start := 0; start <= len(body); {
		end := bytes.IndexByte(body[start:], sep)
		if end < 0 {
			end = len(body)
		} else {
			end += start
		}
		rec := body[start:end]
		if !blank(rec) {
			got, err := fn(rec)
			if err != nil {
				return nil, err
			}
			if !same(got, rec) {
				if out == nil {
					out = make([]byte, 0, len(body))
				}
				out = append(out, body[copied:start]...)
				out = append(out, got...)
				copied = end
			}
		}
		start = end + 1
	}
	if out == nil {
		return body, nil
	}
	return append(out, body[copied:]...), nil
}

// same reports whether a is b itself (the same bytes at the same address).
func same(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// blank reports whether rec holds only JSON whitespace.
func blank(rec []byte) bool {
	for _, c := range rec {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
