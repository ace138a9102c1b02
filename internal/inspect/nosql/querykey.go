package nosql

// QueryKey reports whether name, a decoded query-string, form or cookie
// parameter name, turns into a MongoDB operator once a framework parses it
// into an object. qs (Express), PHP and Rack/Rails read brackets as nesting
// (username[$ne]=x becomes {"username": {"$ne": "x"}}, a[$in][]=x an array
// under $in) and qs with allowDots reads a.$ne the same way; a top-level
// $where or $or names an operator directly. Every segment between '[', ']'
// and '.' is checked with Operator, so OData options ($filter, $top) and
// other $-names ($req, $ct) pass wherever they appear.
func QueryKey(name string) (op string, hit bool) {
	// Fast path: no '$' means no operator in any segment.
	dollar := -1
	for i := 0; i < len(name); i++ {
		if name[i] == '$' {
			dollar = i
			break
		}
	}
	if dollar < 0 {
		return "", false
	}
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) {
			c := name[i]
			if c != '[' && c != ']' && c != '.' {
				continue
			}
		}
		if i > start && name[start] == '$' {
			if op, hit := Operator(name[start:i]); hit {
				return op, true
			}
		}
		start = i + 1
	}
	return "", false
}
