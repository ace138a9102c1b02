package corpustest

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// Probe is what one detector package measures: a value detector and,
// optionally, name and JSON-key detectors. Each returns the rule or operator
// that fired and whether one did.
type Probe struct {
	Value func(string) (string, bool)
	Name  func(string) (string, bool) // query, form and cookie names; nil: none
	Key   func(string) (string, bool) // JSON keys; nil: none (keys are then checked as values only)
}

// Finding says whether a detector fired on an item, and what fired, for the
// sample lists.
type Finding struct {
	Hit  bool
	What string
}

// CheckValue runs the value detector on v.
func (p Probe) CheckValue(v string) Finding {
	if rule, hit := p.Value(v); hit {
		return Finding{true, rule + " on " + quoteShort(v)}
	}
	return Finding{}
}

func (p Probe) checkName(n string) Finding {
	if p.Name != nil {
		if op, hit := p.Name(n); hit {
			return Finding{true, "name " + op + " in " + quoteShort(n)}
		}
	}
	return Finding{}
}

func (p Probe) checkKey(k string) Finding {
	if p.Key != nil {
		if op, hit := p.Key(k); hit {
			return Finding{true, "key " + op}
		}
	}
	return p.CheckValue(k)
}

// QueryString checks a whole query string or form body: names and values
// decoded as a form decoder would.
func (p Probe) QueryString(qs string) Finding {
	for _, part := range strings.Split(qs, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if f := p.checkName(decode.QueryComponent(name)); f.Hit {
			return f
		}
		if f := p.CheckValue(decode.QueryComponent(value)); f.Hit {
			return f
		}
	}
	return Finding{}
}

// Cookie checks one "name=value" cookie pair.
func (p Probe) Cookie(pair string) Finding {
	name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
	if f := p.checkName(decode.Value(name)); f.Hit {
		return f
	}
	return p.CheckValue(decode.Value(value))
}

// JSONDoc walks every key and string value of a JSON document, keys in
// order and duplicates included. ok is false when it is not valid JSON.
func (p Probe) JSONDoc(data []byte) (f Finding, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []bool // true: object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return f, true
		}
		if err != nil {
			return f, false
		}
		if f.Hit {
			continue // keep reading to validate
		}
		switch tk := tok.(type) {
		case json.Delim:
			switch tk {
			case '{':
				stack = append(stack, true)
				expectKey = true
				continue
			case '[':
				stack = append(stack, false)
				expectKey = false
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				f = p.checkKey(tk)
				expectKey = false
				continue
			}
			f = p.CheckValue(tk)
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1]
	}
}

// jsonValue walks an already decoded JSON value.
func (p Probe) jsonValue(v any) Finding {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if f := p.checkKey(k); f.Hit {
				return f
			}
			if f := p.jsonValue(e); f.Hit {
				return f
			}
		}
	case []any:
		for _, e := range x {
			if f := p.jsonValue(e); f.Hit {
				return f
			}
		}
	case string:
		return p.CheckValue(x)
	}
	return Finding{}
}

// apiRequest checks one authored request: its query string, its body by
// kind, and its header values (cookies split into pairs).
func (p Probe) apiRequest(r map[string]any) Finding {
	if q, _ := r["query"].(string); q != "" {
		if f := p.QueryString(q); f.Hit {
			return f
		}
	}
	if body, _ := r["body"].(string); body != "" {
		if r["kind"] == "form" {
			if f := p.QueryString(body); f.Hit {
				return f
			}
		} else if f, ok := p.JSONDoc([]byte(body)); ok && f.Hit {
			return f
		}
	}
	headers, _ := r["headers"].(map[string]any)
	for name, v := range headers {
		s, _ := v.(string)
		if strings.EqualFold(name, "cookie") {
			for _, pair := range strings.Split(s, ";") {
				if f := p.Cookie(pair); f.Hit {
					return f
				}
			}
			continue
		}
		if f := p.CheckValue(s); f.Hit {
			return f
		}
	}
	return Finding{}
}
