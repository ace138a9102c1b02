package jsonfields

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are documents shared by the fuzz targets' seed corpora.
var fuzzSeeds = []string{
	`{"role":"admin","name":"x"}`,
	`{"ro\u006ce":1,"role":2,"profile":{"is_admin":true,"x":[1,2]}}`,
	`{"items":[{"price":1,"id":2},{"price":3}],"n":12345678901234567890123}`,
	`[{"owner_id":1},{"owner_id":"2"},{"x":{"owner_id":3}},null]`,
	`{"a":{"b":{"c":[[],{},"\"}"]}}}`,
	` { "名前" : [ true , false , null ] } `,
	`"just a string"`,
	`{"role":}`,
	"{\"a\":\"\xff\"}",
}

// validDoc reports whether the package should accept doc.
func validDoc(doc []byte) bool { return utf8.Valid(doc) && json.Valid(doc) }

func FuzzStrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "role", "*.price")
		f.Add([]byte(s), "items.*", "/a/b")
	}
	f.Fuzz(func(t *testing.T, doc []byte, p1, p2 string) {
		var ps []Path
		for _, s := range []string{p1, p2} {
			if p, err := Compile(s); err == nil && !p.IsRoot() {
				ps = append(ps, p, p.Fold())
			}
			if p, err := CompileField(s); err == nil && !p.IsRoot() {
				ps = append(ps, p, p.Fold()) // a bare name at any depth
			}
		}
		if len(ps) == 0 {
			return
		}
		out, changed, err := Strip(doc, ps)
		if errors.Is(err, ErrTooDeep) {
			return
		}
		if !validDoc(doc) {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("Strip(invalid %q) error = %v", doc, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Strip(%q): %v", doc, err)
		}
		if !json.Valid(out) {
			t.Fatalf("Strip(%q) = invalid %q", doc, out)
		}
		if !changed && !bytes.Equal(out, doc) {
			t.Fatalf("unchanged Strip(%q) = %q", doc, out)
		}
		found, err := Find(out, ps)
		if err != nil || len(found) != 0 {
			t.Fatalf("Find(Strip(%q) = %q) = %q, %v", doc, out, found, err)
		}
		again, changed2, err := Strip(out, ps)
		if err != nil || changed2 || !bytes.Equal(again, out) {
			t.Fatalf("Strip not idempotent on %q: %q, %v, %v", out, again, changed2, err)
		}
	})
}

func FuzzFilterArray(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "", "owner_id", "1")
		f.Add([]byte(s), "/items", "price", "3")
	}
	f.Fuzz(func(t *testing.T, doc []byte, path, field, want string) {
		p, err1 := Compile(path)
		o, err2 := Compile(field)
		if err1 != nil || err2 != nil || o.IsRoot() {
			return
		}
		out, removed, err := FilterArray(doc, p, o, []string{want})
		if err != nil {
			if validDoc(doc) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotArray) {
				t.Fatalf("FilterArray(%q): %v", doc, err)
			}
			return
		}
		if !json.Valid(out) || (removed == 0 && !bytes.Equal(out, doc)) {
			t.Fatalf("FilterArray(%q) = %q, %d", doc, out, removed)
		}
		again, removed2, err := FilterArray(out, p, o, []string{want})
		if err != nil || removed2 != 0 || !bytes.Equal(again, out) {
			t.Fatalf("FilterArray not idempotent on %q: %q, %d, %v", out, again, removed2, err)
		}
	})
}

func FuzzValues(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "role")
		f.Add([]byte(s), "items.*.id")
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		p, err := Compile(path)
		if err != nil {
			return
		}
		vals, err := Values(doc, p)
		if err == nil && !validDoc(doc) {
			t.Fatalf("Values(invalid %q) = %q", doc, vals)
		}
		for _, v := range vals {
			if !utf8.ValidString(v) {
				t.Fatalf("Values(%q) = invalid UTF-8 %q", doc, v)
			}
		}
	})
}
