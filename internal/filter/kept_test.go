package filter

import (
	"bytes"
	"slices"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/filter/sensitive"
	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// keptCases are the allow lists and deny paths the kept-span scan is checked
// under: cuts at the top, in arrays, nested, with and without deny.
var keptCases = []struct {
	allow []string
	deny  []string
}{
	{allow: []string{"id", "name", "items.*.id", "items.*.email"}},
	{allow: []string{"users.*.id", "users.*.card_number"}, deny: []string{"users.*.email"}},
	{deny: []string{"secret", "items.*.tags", "a.b.c"}},
	{allow: []string{"note", "0", "1"}},
	{allow: []string{"items.*.name"}, deny: []string{"items.*.name.first"}},
}

var keptSeeds = []string{
	`{"id":1,"name":"alice","email":"alice@example.com","note":"card 4111 1111 1111 1111","secret":"4111111111111111",` +
		`"items":[{"id":1,"email":"bob@example.org","tags":["x"],"name":"n"},{"id":4111111111111111,"card":"5500 0000 0000 0004"}]}`,
	`{"users":[{"id":1,"card_number":"4111 1111 1111 1111","email":"jane@example.com"},{"id":2,"email":"a\u0040b.co"}]}`,
	`["DE89 3704 0044 0532 0130 00","+1 (415) 555-0100","078-05-1120",4111111111111111]`,
	`{"a":{"b":{"c":"4111 1111 1111 1111","d":"carol@example.net"}},"note":"\u0034111 1111 1111 1111"}`,
	`{"items":[{"name":{"first":"x@example.com","last":"4111-1111-1111-1111"}},{"name":"plain"}]}`,
	`{"id":"$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012","name":"sk_live_0123456789abcdefghijklmn"}`,
	`[]`, `{}`, `{"id":1}`,
}

// TestKeptScanMatchesRescan: scanning the kept values of the original index
// (Compiled.ScanIndexKept over FilterIndexKept's spans) gives exactly what reading
// the cut document anew and scanning it gives — output, kinds and block — for
// every policy action.
func TestKeptScanMatchesRescan(t *testing.T) {
	for _, doc := range keptSeeds {
		checkKeptScan(t, []byte(doc))
	}
}

// FuzzKeptScan is TestKeptScanMatchesRescan on any document.
func FuzzKeptScan(f *testing.F) {
	for _, s := range keptSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkKeptScan(t, doc) })
}

func checkKeptScan(t *testing.T, doc []byte) {
	t.Helper()
	ix, err := jsonread.Parse(doc, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
	if err != nil {
		return
	}
	defer ix.Release()
	for _, act := range []sensitive.Action{sensitive.Monitor, sensitive.Redact, sensitive.Block} {
		pol := sensitive.Policy{}
		for _, k := range sensitive.Kinds() {
			pol[k] = act
		}
		compiled, err := pol.Compile()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range keptCases {
			tree, err := shape.FromPaths(c.allow)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.allow) == 0 {
				tree = nil
			}
			var deny []shape.Path
			for _, d := range c.deny {
				p, err := shape.CompilePath(d)
				if err != nil {
					t.Fatal(err)
				}
				deny = append(deny, p)
			}
			cut, removed, err := shape.FilterIndex(ix, tree, deny, nil)
			// A lent buffer holding an earlier answer's bytes: none of them may show.
			dst := bytes.Repeat([]byte{'#'}, len(doc))[:0]
			cut2, kept, removed2, err2 := shape.FilterIndexKept(ix, tree, deny, nil, nil, dst)
			if (err == nil) != (err2 == nil) || removed != removed2 || !bytes.Equal(cut, cut2) {
				t.Fatalf("FilterIndexKept differs: %q %d %v / %q %d %v", cut, removed, err, cut2, removed2, err2)
			}
			if err != nil || removed == 0 {
				continue
			}
			var joined []byte
			for _, s := range kept {
				joined = append(joined, doc[s[0]:s[1]]...)
			}
			if !bytes.Equal(joined, cut) {
				t.Fatalf("kept spans %v make %q, the cut is %q", kept, joined, cut)
			}
			want, wantKinds, wantBlock, werr := sensitive.ScanKinds(cut, pol)
			got, found, block := compiled.ScanIndexKept(ix, kept)
			if got == nil {
				got = cut
			}
			if kinds := found.Kinds(); werr != nil || !bytes.Equal(want, got) || !slices.Equal(wantKinds, kinds) || wantBlock != block {
				t.Fatalf("action %v, allow %v deny %v on %q:\nrescan %q %v %v %v\nkept   %q %v %v",
					act, c.allow, c.deny, doc, want, wantKinds, wantBlock, werr, got, kinds, block)
			}
		}
	}
}
