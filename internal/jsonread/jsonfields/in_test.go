package jsonfields

import (
	"slices"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// TestIndexVariants: the In variants on a shared index answer what the
// document variants answer, and leave the index readable.
func TestIndexVariants(t *testing.T) {
	doc := []byte(`{"role":"x","orders":[{"id":1,"owner_id":"u1"},{"id":"2","owner_id":"u2"}],"profile":{"is_admin":true}}`)
	ix, err := jsonread.Parse(doc, jsonread.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ps := fields(t, "role", "is_admin")
	found, err := FindIn(ix, ps)
	if want, _ := Find(doc, ps); err != nil || !slices.Equal(found, want) || len(found) != 2 {
		t.Fatalf("FindIn = %q, %v; Find = %q", found, err, want)
	}
	out, changed, err := StripIn(ix, ps)
	if want, _, _ := Strip(doc, ps); err != nil || !changed || string(out) != string(want) {
		t.Fatalf("StripIn = %s, %v; Strip = %s", out, err, want)
	}
	id := paths(t, "orders.*.id")[0]
	vals, err := ValuesIn(ix, id)
	if err != nil || !slices.Equal(vals, []string{"1", "2"}) {
		t.Fatalf("ValuesIn = %q, %v", vals, err)
	}
	arr, own := paths(t, "/orders")[0], paths(t, "owner_id")[0]
	out, removed, err := FilterArrayIn(ix, arr, own, []string{"u2"})
	if want, _, _ := FilterArray(doc, arr, own, []string{"u2"}); err != nil || removed != 1 || string(out) != string(want) {
		t.Fatalf("FilterArrayIn = %s, %d, %v; FilterArray = %s", out, removed, err, want)
	}
	if out, _, _ := StripIn(ix, paths(t, "absent")); &out[0] != &doc[0] {
		t.Fatal("StripIn without a match copied the document")
	}
	if _, _, err := StripIn(ix, paths(t, "")); err == nil {
		t.Fatal("StripIn of the root")
	}
	if string(ix.Key(1)) != "role" {
		t.Fatal("index changed")
	}
}

func BenchmarkFindIn(b *testing.B) {
	doc, ps := benchDoc(b), fields(b, "role", "is_admin", "profile.verified")
	ix, err := jsonread.Parse(doc, jsonread.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FindIn(ix, ps); err != nil {
			b.Fatal(err)
		}
	}
}
