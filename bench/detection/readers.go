package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// readFile turns one corpus file into items. ambiguous holds the lines of
// the ambiguous SQLi file: an SQLi payload equal to one is not counted.
func (c *Corpus) readFile(root string, s fileSpec, ambiguous map[string]bool) ([]Item, error) {
	path := filepath.Join(root, filepath.FromSlash(s.Path))
	switch s.Kind {
	case kValues, kQueryString, kQueryOnly, kJSONBodies, kCookies:
		lines, err := readLines(path)
		if err != nil {
			return nil, err
		}
		if txt, ok := strings.CutSuffix(path, ".txt"); ok {
			more, err := readMultiline(txt + multilineSuffix)
			if err != nil {
				return nil, err
			}
			lines = append(lines, more...)
		}
		return c.lineItems(s, lines, ambiguous), nil
	case kBLNS, kRisky, kAPIRequests, kCRS, kOctokit, kStripe:
		lines, err := readLines(path)
		if err != nil {
			return nil, err
		}
		var items []Item
		for _, l := range lines {
			it, ok, err := c.recordItem(s, l)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", l.N, err)
			}
			if ok {
				items = append(items, it)
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("no reader for kind %d", s.Kind)
}

// lineItems builds the items of a line-per-payload file.
// placeholders are the template markers of fuzz lists and their stand-in.
var placeholders = strings.NewReplacer("{FILE}", "etc/passwd", "{file}", "etc/passwd")

func (c *Corpus) lineItems(s fileSpec, lines []line, ambiguous map[string]bool) []Item {
	var items []Item
	for _, l := range lines {
		it := Item{File: s.Path, Line: l.N, Label: s.Label, Group: s.Group, Value: l.Text}
		if l.Src != "" {
			it.Note = l.Src
		}
		switch s.Kind {
		case kValues:
			if s.Label == LabelAttack && s.Group == "sqli" && ambiguous[l.Text] {
				c.Uncounted[s.Path]++
				continue
			}
			if s.Label == LabelAttack {
				// Fuzz-list templates: the fuzzer puts its target file where
				// the placeholder is. etc/passwd, relative, is the first target
				// of these lists; being relative, it is no finding by itself.
				l.Text = placeholders.Replace(l.Text)
				it.Value = l.Text
				// Judged as the application receives it: decoded once, also
				// the raw lists' %0a notation.
				v := lenientUnescape(l.Text, s.Encoded)
				if r := setAsideReason(v, !s.Encoded); r != "" {
					c.SetAside[s.Path] = append(c.SetAside[s.Path], r+": "+codeSpan(fmt.Sprintf("%q", l.Text)))
					continue
				}
			}
			q, b := valueRequests(l.Text, s.Encoded)
			it.Reqs = []chanReq{{"query", q}, {"json", b}}
		case kQueryString:
			q, b := queryStringRequests(l.Text)
			it.Reqs = []chanReq{{"qs", q}, {"json", b}}
		case kQueryOnly:
			q, _ := queryStringRequests(l.Text)
			it.Reqs = []chanReq{{"qs", q}}
		case kJSONBodies:
			it.Reqs = []chanReq{{"body", jsonBodyRequest(l.Text)}}
		case kCookies:
			it.Reqs = []chanReq{{"cookie", cookieRequest(l.Text)}}
		}
		items = append(items, it)
	}
	return items
}

// recordItem builds the item of one JSON-lines record; ok is false for a
// record that is not counted.
func (c *Corpus) recordItem(s fileSpec, l line) (Item, bool, error) {
	it := Item{File: s.Path, Line: l.N, Label: s.Label, Group: s.Group}
	switch s.Kind {
	case kBLNS:
		var r struct{ Kind, Value string }
		if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
			return it, false, err
		}
		if r.Kind == "attack" || r.Kind == "ambiguous" {
			c.Uncounted[s.Path]++
			return it, false, nil
		}
		it.Value = r.Value
		q, b := valueRequests(r.Value, false)
		it.Reqs = []chanReq{{"query", q}, {"json", b}}
	case kRisky:
		var r struct {
			Value, Note string
			Hard        bool
		}
		if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
			return it, false, err
		}
		it.Value = r.Value
		if r.Hard {
			it.Label, it.Note, it.Reqs = LabelHard, "developer Q&A forum (Discourse): "+r.Note, forumRequests(r.Value)
			return it, true, nil
		}
		q, b := valueRequests(r.Value, false)
		it.Reqs = []chanReq{{"query", q}, {"json", b}}
	case kAPIRequests:
		return c.apiRequestItem(it, l)
	case kCRS:
		return c.crsItem(it, l)
	case kOctokit:
		return c.octokitItem(it, l)
	case kStripe:
		var r struct {
			Resource string
			Body     json.RawMessage
		}
		if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
			return it, false, err
		}
		it.Value = "POST " + r.Resource
		req := Request{Method: "POST", Target: escapeTarget("/v1/" + r.Resource), Header: [][2]string{{"Content-Type", ctJSON}}, Body: r.Body}
		it.Reqs = []chanReq{{"body", req}}
	}
	return it, true, nil
}

// forumRequests carries developer content the way a Q&A forum receives it:
// a search (Discourse GET /search.json?q=) and a new post (POST /posts.json
// with the text in "raw").
func forumRequests(v string) []chanReq {
	body := []byte(`{"topic_id":42,"raw":` + string(jsonString(v)) + `}`)
	return []chanReq{
		{"query", Request{Method: "GET", Target: "/search.json?q=" + queryValue(v)}},
		{"json", Request{Method: "POST", Target: "/posts.json", Header: [][2]string{{"Content-Type", ctJSON}}, Body: body}},
	}
}

// apiRequestItem builds an authored whole request.
func (c *Corpus) apiRequestItem(it Item, l line) (Item, bool, error) {
	var r struct {
		ID                 int
		Kind, Method, Path string
		Query, Body        *string
		ContentType        *string `json:"content_type"`
		Headers            map[string]string
		Framework, Note    string
		Hard               bool
	}
	if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
		return it, false, err
	}
	req := Request{Method: r.Method, Target: joinTarget(r.Path, deref(r.Query))}
	if r.ContentType != nil {
		req.Header = append(req.Header, [2]string{"Content-Type", *r.ContentType})
	}
	c.addHeaders(&req, r.Headers)
	req.Body = []byte(deref(r.Body))
	it.Value = fmt.Sprintf("#%d %s %s", r.ID, r.Method, shorten(req.Target, 60))
	it.Note = strings.TrimSpace(r.Framework + ": " + r.Note)
	if r.Hard {
		it.Label = LabelHard
	}
	it.Reqs = []chanReq{{"request", req}}
	return it, true, nil
}

// crsItem builds a go-ftw stage: method, uri and headers as recorded, the
// version always HTTP/1.1, data as the body. Data without a Content-Type
// is sent as a form (what a browser or curl -d sends).
func (c *Corpus) crsItem(it Item, l line) (Item, bool, error) {
	var r struct {
		RuleID  int    `json:"rule_id"`
		Family  string `json:"rule_family"`
		TestID  int    `json:"test_id"`
		Desc    string
		Label   string
		Method  string
		URI     string
		Headers map[string]any
		Data    *string
	}
	if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
		return it, false, err
	}
	req := Request{Method: r.Method, Target: joinTarget(r.URI, "")}
	c.addHeaders(&req, stringMap(r.Headers))
	if r.Data != nil && *r.Data != "" {
		req.Body = []byte(*r.Data)
		if req.header("Content-Type") == "" {
			req.Header = append(req.Header, [2]string{"Content-Type", ctForm})
		}
	}
	it.Group, it.Note = r.Family, r.Label
	it.Value = fmt.Sprintf("%d-%d %s", r.RuleID, r.TestID, r.Desc)
	it.Reqs = []chanReq{{"request", req}}
	return it, true, nil
}

// octokitItem builds a recorded GitHub REST request; a JSON body object is
// re-encoded, a string body sent as is.
func (c *Corpus) octokitItem(it Item, l line) (Item, bool, error) {
	var r struct {
		Method, Path string
		ReqHeaders   map[string]any `json:"reqheaders"`
		Body         json.RawMessage
	}
	if err := json.Unmarshal([]byte(l.Text), &r); err != nil {
		return it, false, err
	}
	req := Request{Method: r.Method, Target: joinTarget(r.Path, "")}
	c.addHeaders(&req, stringMap(r.ReqHeaders))
	var s string
	switch {
	case len(r.Body) == 0 || string(r.Body) == "null":
	case json.Unmarshal(r.Body, &s) == nil:
		req.Body = []byte(s)
	default:
		req.Body = r.Body
	}
	it.Value = r.Method + " " + shorten(r.Path, 60)
	it.Reqs = []chanReq{{"request", req}}
	return it, true, nil
}

// addHeaders adds recorded headers in name order (records are JSON objects,
// so their order is not known); unsendable ones are counted.
func (c *Corpus) addHeaders(req *Request, h map[string]string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !req.addHeader(k, h[k]) {
			c.Dropped++
		}
	}
}

func stringMap(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
