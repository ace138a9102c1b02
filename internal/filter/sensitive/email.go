package sensitive

import "bytes"

// isEmail reports whether t is an address local@domain, conservatively: a
// dot-atom local part of [A-Za-z0-9._%+-] (no quoted forms, no "*", so masks
// never match), a domain of at least two LDH labels and an alphabetic TLD that
// is not an image extension ("icon@2x.png" is a file, not an address).
func isEmail(t []byte) bool {
	if len(t) > 254 {
		return false
	}
	at := bytes.IndexByte(t, '@')
	if at < 1 || at > 64 {
		return false
	}
	local, domain := t[:at], t[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	prev := byte(0)
	for _, c := range local { // one table load a byte; ".." refused on the way
		if byteClass[c]&clLocal == 0 || c == '.' && prev == '.' {
			return false
		}
		prev = c
	}
	return isDomain(domain)
}

// isDomain checks LDH labels joined by dots, two or more, with an alphabetic
// TLD of two or more letters.
func isDomain(d []byte) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	labels := 0
	start, last := 0, 0 // the current label's start; the last label's
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			if byteClass[d[i]]&clLDH == 0 {
				return false
			}
			continue
		}
		label := d[start:i]
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		last, start = start, i+1
	}
	tld := d[last:]
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for _, c := range tld {
		if byteClass[c]&clAlpha == 0 {
			return false
		}
	}
	return !isImageExt(tld)
}

// isImageExt reports file extensions that look like TLDs in asset names
// ("logo@2x.png"); none of them is a delegated TLD.
func isImageExt(tld []byte) bool {
	if len(tld) > 4 {
		return false
	}
	var low [4]byte
	for i, c := range tld {
		low[i] = c | 0x20
	}
	switch string(low[:len(tld)]) {
	case "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic":
		return true
	}
	return false
}
