package waf

import "testing"

func TestPoolSharesBySettings(t *testing.T) {
	p := NewPool(nil)
	a, err := p.Get(Config{Paranoia: 1, RemoveRules: []int{942100, 920350}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Get(Config{Paranoia: 1, RemoveRules: []int{920350, 942100}, BodyLimit: 1 << 10})
	if err != nil || b != a {
		t.Fatalf("same rule settings, another instance: %v", err)
	}
	next := NewPool(p)
	c, err := next.Get(Config{Paranoia: 1, RemoveRules: []int{920350, 942100}})
	if err != nil || c != a {
		t.Fatalf("a reload rebuilt an unchanged WAF: %v", err)
	}
	if _, err := next.Get(Config{Paranoia: 1, RemoveRules: []int{949110}}); err == nil {
		t.Fatal("a refused setting built a WAF")
	}
	if len(next.cur) != 1 {
		t.Fatalf("the pool holds %d instances, want 1", len(next.cur))
	}
}
