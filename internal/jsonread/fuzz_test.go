package jsonread

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonreadtest"
	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

var fuzzSeeds = []string{
	`{"a":1,"A":{"b":[{"c":1,"\u0063":2}]}}`, `[{"x":1},{"x":1,"y":{"X":0}}]`, `{}`, `[1,{"a":"\u00e9"}]`,
	`"\ud800"`, `"\ud83d\ude00\ud83d"`, `1e5`, `[[[[[[1]]]]]]`, `{"a":}`, `-0.0e-0`, " \t\n1\r",
	`{"role":"user","ｒｏｌｅ":"admin"}`, `{"a\\b":"c\"d\/e\b\f\n\r\t"}`, "\"\xff\"", "{\"\xc3\":1}",
	`[true,false,null,"",0,{}]`, `{"a":1,}`, `[01]`,
}

// FuzzParse tests Parse against encoding/json: the same documents are valid
// (strictly: valid UTF-8 as well), the values and keys decode to the same
// text in the same order, the index is a consistent tree whose spans are the
// values, and the duplicate-key check finds exactly the duplicates a
// reference built on encoding/json's tokenizer finds.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		lenient, err := Parse(data, Options{MaxDepth: DefaultMaxDepth, AllowInvalidUTF8: true})
		if (err == nil) != valid {
			t.Fatalf("lenient Parse(%q) = %v, json.Valid = %v", data, err, valid)
		}
		strict, serr := Parse(data, Options{MaxDepth: DefaultMaxDepth})
		if (serr == nil) != (valid && utf8.Valid(data)) {
			t.Fatalf("strict Parse(%q) = %v, json.Valid = %v, utf8.Valid = %v", data, serr, valid, utf8.Valid(data))
		}
		if err != nil {
			return
		}
		checkTokens(t, data, lenient)
		checkTree(t, lenient)
		checkDecoded(t, lenient)
		if serr == nil {
			checkTokens(t, data, strict)
		}
		if serr != nil {
			return // UniqueKeys is for requests, read strictly
		}
		_, uerr := Parse(data, Options{MaxDepth: DefaultMaxDepth, UniqueKeys: true})
		want := jsonreadtest.RefDuplicates(data)
		var dup *DuplicateKeyError
		switch {
		case uerr != nil && !errors.As(uerr, &dup):
			t.Fatalf("UniqueKeys on a valid document: %v", uerr)
		case (dup != nil) != (len(want) > 0):
			t.Fatalf("%q: duplicate %v, reference %v", data, uerr, want)
		case dup != nil && !want[dup.Pointer] && !strings.Contains(dup.Pointer, "…"):
			t.Fatalf("%q: duplicate %q, reference %v", data, dup.Pointer, want)
		}
	})
}

// token is one token as encoding/json's Decoder gives it, in text form.
func tokenText(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return string(v)
	case string:
		return "s:" + v
	case json.Number:
		return "n:" + string(v)
	case bool:
		return "b:" + strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("?%T", tok)
}

// checkTokens compares the Index, walked in document order, with
// encoding/json's token stream. Bytes that are not UTF-8, which
// encoding/json replaces one by one and the Index keeps, are replaced first.
func checkTokens(t *testing.T, data []byte, ix *Index) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		want = append(want, tokenText(tok))
	}
	var got []string
	var open []int // the open containers, innermost last
	closeTo := func(i int) {
		for len(open) > 0 && ix.End(open[len(open)-1]) <= i {
			got = append(got, map[Kind]string{Object: "}", Array: "]"}[ix.Kind(open[len(open)-1])])
			open = open[:len(open)-1]
		}
	}
	for i := 0; i < ix.Len(); i++ {
		closeTo(i)
		if ix.IsMember(i) {
			got = append(got, "s:"+replaceInvalid(ix.Key(i)))
		}
		switch ix.Kind(i) {
		case Object:
			got = append(got, "{")
			open = append(open, i)
		case Array:
			got = append(got, "[")
			open = append(open, i)
		case String:
			got = append(got, "s:"+replaceInvalid(ix.Text(i)))
		case Number:
			got = append(got, "n:"+string(ix.Text(i)))
		case True, False:
			got = append(got, "b:"+string(ix.Text(i)))
		case Null:
			got = append(got, "null")
		}
	}
	closeTo(ix.Len())
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("%q:\n index %q\n json  %q", data, got, want)
	}
}

// replaceInvalid replaces each byte that is not UTF-8 by U+FFFD, as encoding/json does.
func replaceInvalid(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}

// checkTree checks that parents, children and spans agree: each value's raw
// span parses to one value, and a container's members lie inside it.
func checkTree(t *testing.T, ix *Index) {
	t.Helper()
	for i := 0; i < ix.Len(); i++ {
		s, e := ix.Span(i)
		if !json.Valid(ix.Raw(i)) {
			t.Fatalf("value %d: span %q is not a value", i, ix.Raw(i))
		}
		if p := ix.Parent(i); p >= 0 {
			ps, pe := ix.Span(p)
			if s <= ps || e >= pe || ix.End(i) > ix.End(p) || ix.MemberStart(i) <= ps {
				t.Fatalf("value %d [%d,%d) outside its parent %d [%d,%d)", i, s, e, p, ps, pe)
			}
			if ix.IsMember(i) != (ix.Kind(p) == Object) {
				t.Fatalf("value %d: member %v in a %v", i, ix.IsMember(i), ix.Kind(p))
			}
		} else if i != 0 {
			t.Fatalf("value %d has no parent", i)
		}
		n := 0
		for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
			if ix.Parent(c) != i || ix.Position(c) != n {
				t.Fatalf("child %d of %d: parent %d position %d", c, i, ix.Parent(c), ix.Position(c))
			}
			n++
		}
	}
}

// checkDecoded checks that keys and strings read as jsonstr.AppendUnescaped
// decodes their raw bodies (Parse decodes them itself, in its scan), invalid
// bytes kept, and that the escape flags say whether they had escapes.
func checkDecoded(t *testing.T, ix *Index) {
	t.Helper()
	body := func(raw []byte) []byte { return raw[1 : len(raw)-1] }
	for i := 0; i < ix.Len(); i++ {
		if raw := ix.RawKey(i); raw != nil {
			want := jsonstr.AppendUnescaped(nil, body(raw))
			if !bytes.Equal(ix.Key(i), want) || ix.KeyEscaped(i) != (bytes.IndexByte(raw, '\\') >= 0) {
				t.Fatalf("key %d %q: %q escaped %v, want %q", i, raw, ix.Key(i), ix.KeyEscaped(i), want)
			}
		}
		if ix.Kind(i) == String {
			raw := ix.Raw(i)
			want := jsonstr.AppendUnescaped(nil, body(raw))
			if !bytes.Equal(ix.Text(i), want) || ix.Escaped(i) != (bytes.IndexByte(raw, '\\') >= 0) {
				t.Fatalf("string %d %q: %q escaped %v, want %q", i, raw, ix.Text(i), ix.Escaped(i), want)
			}
		}
	}
}
