package jsonfields

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fields compiles write-protected fields as the gateway does: CompileField, folded.
func fields(t testing.TB, fs ...string) []Path {
	t.Helper()
	out := make([]Path, len(fs))
	for i, f := range fs {
		p, err := CompileField(f)
		if err != nil {
			t.Fatalf("CompileField(%q): %v", f, err)
		}
		out[i] = p.Fold()
	}
	return out
}

// TestFieldAnyDepth: a bare name is found, and stripped, wherever it is;
// a dotted path or a pointer only where it says.
func TestFieldAnyDepth(t *testing.T) {
	tests := []struct {
		name, doc string
		fields    []string
		found     []string
		stripped  string // "" when nothing is removed
	}{
		{"top level", `{"role":"admin","n":1}`, []string{"role"}, []string{"role"}, `{"n":1}`},
		{"wrapped", `{"user":{"role":"admin"}}`, []string{"role"}, []string{"role"}, `{"user":{}}`},
		{"data wrapper", `{"data":{"attributes":{"role":"admin","x":1}}}`, []string{"role"}, []string{"role"}, `{"data":{"attributes":{"x":1}}}`},
		{"array of objects", `{"users":[{"id":1},{"id":2,"role":"admin"}]}`, []string{"role"}, []string{"role"}, `{"users":[{"id":1},{"id":2}]}`},
		{"top-level array", `[{"role":"admin"},[{"x":{"role":1}}]]`, []string{"role"}, []string{"role"}, `[{},[{"x":{}}]]`},
		{"escaped nested key", `{"user":{"ro\u006ce":"admin"}}`, []string{"role"}, []string{"role"}, `{"user":{}}`},
		{"case nested", `{"user":{"ROLE":"admin"}}`, []string{"role"}, []string{"role"}, `{"user":{}}`},
		{"every occurrence", `{"role":1,"a":{"role":2,"b":[{"role":3}]}}`, []string{"role"}, []string{"role"}, `{"a":{"b":[{}]}}`},
		{"name inside a value is not a key", `{"note":"{\"role\":1}","tags":["role"]}`, []string{"role"}, nil, ""},
		{"other names kept", `{"roles":[1],"user":{"role_id":2}}`, []string{"role"}, nil, ""},
		{"dotted is anchored", `{"x":{"profile":{"verified":true}},"profile":{"n":1}}`, []string{"profile.verified"}, nil, ""},
		{"dotted at the root", `{"profile":{"verified":true,"n":1}}`, []string{"profile.verified"}, []string{"profile.verified"}, `{"profile":{"n":1}}`},
		{"pointer is anchored", `{"user":{"role":1}}`, []string{"/role"}, nil, ""},
		{"pointer at the root", `{"role":1,"user":{"role":1}}`, []string{"/role"}, []string{"/role"}, `{"user":{"role":1}}`},
		{"wildcard path unchanged", `{"a":{"owner_id":1},"b":{"c":{"owner_id":2}}}`, []string{"*.owner_id"}, []string{"*.owner_id"}, `{"a":{},"b":{"c":{"owner_id":2}}}`},
		{"escaped dot is a bare name", `{"x":{"a.b":1}}`, []string{`a\.b`}, []string{`a\.b`}, `{"x":{}}`},
		{"several", `{"u":{"is_admin":true},"p":{"verified":1},"profile":{"verified":1}}`, []string{"is_admin", "profile.verified"}, []string{"is_admin", "profile.verified"}, `{"u":{},"p":{"verified":1},"profile":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := fields(t, tt.fields...)
			found, err := Find([]byte(tt.doc), ps)
			if err != nil || !slices.Equal(found, tt.found) {
				t.Fatalf("Find = %q, %v; want %q", found, err, tt.found)
			}
			out, changed, err := Strip([]byte(tt.doc), ps)
			want := tt.stripped
			if want == "" {
				want = tt.doc
			}
			if err != nil || string(out) != want || changed != (tt.stripped != "") {
				t.Fatalf("Strip = %s, %v, %v; want %s", out, changed, err, want)
			}
		})
	}
}

func TestFieldTooDeep(t *testing.T) {
	doc := strings.Repeat(`{"a":`, MaxDeepNesting+1) + `{"role":1}` + strings.Repeat("}", MaxDeepNesting+1)
	if _, err := Find([]byte(doc), fields(t, "role")); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Find: %v", err)
	}
	if _, _, err := Strip([]byte(doc), fields(t, "role")); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Strip: %v", err)
	}
	// An anchored path does not follow the document down.
	if found, err := Find([]byte(doc), fields(t, "profile.verified")); err != nil || found != nil {
		t.Fatalf("anchored: %v %v", found, err)
	}
	shallow := strings.Repeat(`[`, 100) + `{"role":1}` + strings.Repeat("]", 100)
	if found, err := Find([]byte(shallow), fields(t, "role")); err != nil || len(found) != 1 {
		t.Fatalf("100 deep: %v %v", found, err)
	}
}
