package sensitive

import (
	"errors"
	"slices"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

func TestCompiledAgreesWithPolicyScans(t *testing.T) {
	p := Policy{Card: Redact, Email: Monitor}
	c, err := p.Compile()
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"a":"x@example.com","b":"4111 1111 1111 1111","c":[1,"ok"]}`)
	ix, err := jsonread.Parse(doc, jsonread.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Release()
	wantOut, wantKinds, wantBlock, err := ScanKinds(doc, p)
	if err != nil {
		t.Fatal(err)
	}
	out, found, block := c.ScanIndex(ix)
	if string(out) != string(wantOut) || !slices.Equal(found.Kinds(), wantKinds) || block != wantBlock {
		t.Errorf("Compiled.ScanIndex = %s %v %v, want %s %v %v", out, found.Kinds(), block, wantOut, wantKinds, wantBlock)
	}
	if !slices.Equal(found.Kinds(), []Kind{Card, Email}) {
		t.Errorf("found = %v", found.Kinds())
	}
	if _, ok := found.Single(); ok {
		t.Error("Single reported one kind of two")
	}
	if k, ok := Found(1 << idxEmail).Single(); !ok || k != Email {
		t.Errorf("Single = %q, %v", k, ok)
	}
	if _, ok := Found(0).Single(); ok {
		t.Error("Single of nothing")
	}
	if _, err := (Policy{"nope": Redact}).Compile(); !errors.Is(err, ErrPolicy) {
		t.Errorf("Compile of an unknown kind: %v", err)
	}
}
