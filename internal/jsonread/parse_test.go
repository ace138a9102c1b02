package jsonread

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseValidity(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		max  int
		want error // nil, ErrInvalid or ErrTooDeep
	}{
		{"scalar", `1`, 1, nil},
		{"scalar no cap", `"x"`, 0, nil},
		{"empty object", ` {} `, 1, nil},
		{"empty array", "[\n]", 1, nil},
		{"nested at cap", `{"a":[{"b":[]}]}`, 4, nil},
		{"nested over cap", `{"a":[{"b":[1]}]}`, 3, ErrTooDeep},
		{"empty nested over cap", `[[]]`, 1, ErrTooDeep},
		{"no cap", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), 0, nil},
		{"deep mismatch", strings.Repeat(`{"a":[`, 200) + "1" + strings.Repeat("}]", 200), 400, ErrInvalid},
		{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-1,123456789]`, 2, nil},
		{"literals", `[true,false,null]`, 2, nil},
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"`, 1, nil},
		{"utf8", `"héllo 世界 😀"`, 1, nil},
		{"empty", ``, 1, ErrInvalid},
		{"space only", `  `, 1, ErrInvalid},
		{"trailing comma", `[1,]`, 2, ErrInvalid},
		{"trailing comma object", `{"a":1,}`, 2, ErrInvalid},
		{"trailing data", `{} {}`, 2, ErrInvalid},
		{"leading zero", `01`, 1, ErrInvalid},
		{"bare minus", `-`, 1, ErrInvalid},
		{"dot no digits", `1.`, 1, ErrInvalid},
		{"exp no digits", `1e+`, 1, ErrInvalid},
		{"plus sign", `+1`, 1, ErrInvalid},
		{"bad escape", `"\x"`, 1, ErrInvalid},
		{"short unicode", `"\u12"`, 1, ErrInvalid},
		{"control char", "\"a\x01\"", 1, ErrInvalid},
		{"invalid utf8", "\"\xff\"", 1, ErrInvalid},
		{"invalid utf8 outside a string", "[1,\xff]", 1, ErrInvalid},
		{"unterminated string", `"abc`, 1, ErrInvalid},
		{"mismatched close", `[}`, 1, ErrInvalid},
		{"missing colon", `{"a" 1}`, 1, ErrInvalid},
		{"non-string key", `{1:2}`, 1, ErrInvalid},
		{"unclosed", `[1,[2]`, 3, ErrInvalid},
		{"truncated literal", `tru`, 1, ErrInvalid},
		{"literal run on", `truex`, 1, ErrInvalid},
		{"single quotes", `'a'`, 1, ErrInvalid},
		{"missing comma", `[1 2]`, 1, ErrInvalid},
		{"too deep before invalid", `[[[[x`, 2, ErrTooDeep},
		{"invalid before too deep", `[x,[[[`, 2, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, unique := range []bool{false, true} {
				ix, err := Parse([]byte(tt.doc), Options{MaxDepth: tt.max, UniqueKeys: unique})
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("Parse(unique %v) = %v, want %v", unique, err, tt.want)
				}
				if err == nil && ix.Len() == 0 {
					t.Fatal("no values")
				}
				ix.Release()
			}
		})
	}
}

func TestAllowInvalidUTF8(t *testing.T) {
	doc := []byte("{\"a\xff\":\"b\xc3\"}")
	if _, err := Parse(doc, Options{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("strict: %v", err)
	}
	ix, err := Parse(doc, Options{AllowInvalidUTF8: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(ix.Key(1)) != "a\xff" || string(ix.Text(1)) != "b\xc3" {
		t.Fatalf("key %q text %q", ix.Key(1), ix.Text(1))
	}
	// Bytes outside strings are syntax whatever the option.
	if Valid([]byte("[\xff]"), Options{AllowInvalidUTF8: true}) {
		t.Fatal("accepted a byte outside a string")
	}
}

// TestIndex: every value with its kind, span, key or position, text and pointer.
func TestIndex(t *testing.T) {
	doc := ` {"a" : [1, "x\u00e9", {"b\/c":null}], "d~":{}, "e":"plain", "f":[]} `
	ix, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind            Kind
		raw, key, text  string
		parent, pos     int
		pointer, rawKey string
	}{
		{Object, `{"a" : [1, "x\u00e9", {"b\/c":null}], "d~":{}, "e":"plain", "f":[]}`, "", "", -1, 0, "", ""},
		{Array, `[1, "x\u00e9", {"b\/c":null}]`, "a", "", 0, 0, "/a", `"a"`},
		{Number, `1`, "", "1", 1, 0, "/a/0", ""},
		{String, `"x\u00e9"`, "", "xé", 1, 1, "/a/1", ""},
		{Object, `{"b\/c":null}`, "", "", 1, 2, "/a/2", ""},
		{Null, `null`, "b/c", "null", 4, 0, "/a/2/b~1c", `"b\/c"`},
		{Object, `{}`, "d~", "", 0, 1, "/d~0", `"d~"`},
		{String, `"plain"`, "e", "plain", 0, 2, "/e", `"e"`},
		{Array, `[]`, "f", "", 0, 3, "/f", `"f"`},
	}
	if ix.Len() != len(want) {
		t.Fatalf("%d values, want %d", ix.Len(), len(want))
	}
	for i, w := range want {
		if ix.Kind(i) != w.kind || string(ix.Raw(i)) != w.raw || string(ix.Key(i)) != w.key ||
			string(ix.Text(i)) != w.text || ix.Parent(i) != w.parent || ix.Position(i) != w.pos ||
			ix.Pointer(i) != w.pointer || string(ix.RawKey(i)) != w.rawKey || ix.IsMember(i) != (w.rawKey != "") {
			t.Errorf("value %d: %v %s key %q text %q parent %d pos %d %q %s", i, ix.Kind(i), ix.Raw(i),
				ix.Key(i), ix.Text(i), ix.Parent(i), ix.Position(i), ix.Pointer(i), ix.RawKey(i))
		}
	}
	if ix.Depth() != 3 {
		t.Errorf("depth %d", ix.Depth())
	}
	// Children of the root, by Child and Sibling.
	var keys []string
	for c := ix.Child(0); c >= 0; c = ix.Sibling(c) {
		keys = append(keys, string(ix.Key(c)))
	}
	if strings.Join(keys, ",") != "a,d~,e,f" {
		t.Errorf("children %q", keys)
	}
	if ix.Child(6) != -1 || ix.Child(2) != -1 || ix.End(1) != 6 || ix.MemberStart(1) != 2 || ix.MemberStart(2) != 9 {
		t.Errorf("child %d %d end %d starts %d %d", ix.Child(6), ix.Child(2), ix.End(1), ix.MemberStart(1), ix.MemberStart(2))
	}
	if !ix.Escaped(3) || ix.Escaped(7) || !ix.KeyEscaped(5) || ix.KeyEscaped(1) {
		t.Error("escape flags")
	}
}

func TestDuplicateKeys(t *testing.T) {
	tests := []struct{ name, doc, pointer string }{
		{"none", `{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, ""},
		{"same key in sibling objects", `[{"id":1},{"id":2}]`, ""},
		{"exact", `{"from_account":"alice","from_account":"bob"}`, "/from_account"},
		{"case", `{"from_account":"alice","From_Account":"bob"}`, "/From_Account"},
		{"escape", `{"from_account":"alice","\u0046rom_account":"bob"}`, "/From_account"},
		{"escaped backslash is not an escape", `{"a\\u0041":1,"a\u0041":2}`, ""},
		{"full-width", `{"role":"user","ｒｏｌｅ":"admin"}`, "/ｒｏｌｅ"},
		{"kelvin sign", "{\"kind\":1,\"\u212aind\":2}", "/\u212aind"},
		{"long s", `{"pass":1,"pa\u017f\u017f":2}`, "/paſſ"},
		{"nul-terminated", `{"role":1,"role\u0000admin":2}`, "/role\x00admin"},
		{"lone surrogates", `{"\ud800":1,"\udc00":2}`, "/\ufffd"},
		{"nested", `{"user":{"name":"x","role":"user","ROLE":"admin"}}`, "/user/ROLE"},
		{"in array", `{"items":[{"id":1},{"id":2,"Id":3}]}`, "/items/1/Id"},
		{"root array", `[1,[2,{"a":1,"A":2}]]`, "/1/1/A"},
		{"deep after empty siblings", `{"a":{},"b":[],"c":[[],{}],"d":{"e":[0,0,{"f":1,"f":2}]}}`, "/d/e/2/f"},
		{"pointer escapes", `{"a/b":{"c~d":{"x":1,"X":2}}}`, "/a~1b/c~0d/X"},
		{"key of an empty object repeated", `{"a":{},"a":{}}`, "/a"},
		{"not across nesting", `{"a":{"a":{"a":1}}}`, ""},
		{"values are not keys", `{"a":"A","b":"a"}`, ""},
		{"inner object first", `{"x":1,"o":{"y":1,"Y":2},"X":2}`, "/o/Y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), Options{MaxDepth: 64, UniqueKeys: true})
			var dup *DuplicateKeyError
			if errors.As(err, &dup) != (tt.pointer != "") || (dup != nil && dup.Pointer != tt.pointer) {
				t.Fatalf("Parse = %v, want pointer %q", err, tt.pointer)
			}
			if err != nil && !errors.Is(err, ErrDuplicateKey) {
				t.Fatalf("%v is not ErrDuplicateKey", err)
			}
			if _, err := Parse([]byte(tt.doc), Options{MaxDepth: 64}); err != nil {
				t.Fatalf("without the key check: %v", err)
			}
		})
	}
}

// TestDuplicateKeysLargeObject: objects past the pair-by-pair size are
// sorted; a duplicate anywhere in them is found, and none is invented.
func TestDuplicateKeysLargeObject(t *testing.T) {
	for _, n := range []int{pairwiseKeys, pairwiseKeys + 1, 1000, 50000} {
		var b strings.Builder
		b.WriteString(`{"wrap":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		if _, err := Parse([]byte(b.String()+"}}"), Options{UniqueKeys: true}); err != nil {
			t.Fatalf("%d keys: %v", n, err)
		}
		b.WriteString(`,"K0":1}}`)
		var dup *DuplicateKeyError
		if _, err := Parse([]byte(b.String()), Options{UniqueKeys: true}); !errors.As(err, &dup) || dup.Pointer != "/wrap/K0" {
			t.Fatalf("%d keys and a duplicate: %v", n, err)
		}
	}
}

// TestPointerBounded: a huge key is cut in the pointer.
func TestPointerBounded(t *testing.T) {
	k := strings.Repeat("é", 200)
	_, err := Parse([]byte(`{"`+k+`":{"`+k+`":1,"`+k+`":2}}`), Options{UniqueKeys: true})
	var dup *DuplicateKeyError
	if !errors.As(err, &dup) {
		t.Fatal(err)
	}
	if p := dup.Pointer; len(p) > MaxPointerBytes+len("…") || !utf8.ValidString(p) || !strings.HasPrefix(p, "/éé") {
		t.Fatalf("pointer %d bytes: %q", len(p), p)
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Parse([]byte(`{"a":[1,2,}`), Options{})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 10 || !strings.Contains(err.Error(), "offset 10") {
		t.Fatalf("%v", err)
	}
}

func TestReleaseReuse(t *testing.T) {
	a, err := Parse([]byte(`{"a":"\u0041"}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Release()
	b, err := Parse([]byte(`["x","\u0042"]`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 3 || string(b.Text(2)) != "B" || b.Key(1) != nil || b.Parent(2) != 0 {
		t.Fatalf("reused index: %d %q", b.Len(), b.Text(2))
	}
	var nilIndex *Index
	nilIndex.Release()
}

// TestASCIIDuplicateIsFolded: the duplicate-key check of objects with plain
// ASCII keys, which compares them ignoring ASCII case, finds the duplicate
// that folding the keys finds, for keys that differ in case, in letters
// next to letters and in the bytes around 'a'-'z' and 'A'-'Z'.
func TestASCIIDuplicateIsFolded(t *testing.T) {
	keys := []string{"a", "A", "b", "B", "ab", "Ab", "aB", "AB", "z", "Z", "@", "`", "[", "{", "a@", "A`", "id", "ID", "Id", "iD", "is"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		b.WriteByte('{')
		for m := range 1 + r.IntN(pairwiseKeys) {
			if m > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%d", keys[r.IntN(len(keys))], m)
		}
		b.WriteString("}        ") // keys in the last seven bytes are not marked keyASCII
		doc := []byte(b.String())
		ix, err := Parse(doc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		dup, found, ok := asciiDuplicate(doc, ix.nodes, 0)
		p := parser{ix: ix, d: doc}
		fdup, ffound := p.foldedDuplicate(0)
		p.releaseKeys()
		if !ok || found != ffound || (found && dup != fdup) {
			t.Fatalf("%s: ascii %d %v %v, folded %d %v", doc, dup, found, ok, fdup, ffound)
		}
	}
}

func TestFirstByte(t *testing.T) {
	for in, want := range map[string]byte{"": 0, " \t\r\n": 0, ` {"a":1}`: '{', "\n[1]": '[', "  1": '1', "\x01{": 0x01, "\f{": '\f'} {
		if got := FirstByte([]byte(in)); got != want {
			t.Errorf("FirstByte(%q) = %q, want %q", in, got, want)
		}
	}
}
