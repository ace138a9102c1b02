package openapi

import (
	"slices"
	"strings"
	"testing"
)

// bodyDoc wraps a request body content map (YAML, indented for its place)
// and components into a one-operation document: POST /things.
func bodyDoc(version, content, components string) string {
	return `
openapi: ` + version + `
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content:
` + content + `
      responses:
        "200": {description: ok}
components:
  schemas:
` + components
}

const readOnlyComponents = `
    Money:
      type: object
      properties:
        amount: {type: number}
        currency: {type: string, readOnly: true}
    Audit:
      type: object
      properties:
        createdAt: {type: string, readOnly: true}
        createdBy: {type: string, readOnly: true}
    Order:
      allOf:
        - $ref: "#/components/schemas/Audit"
        - type: object
          properties:
            id: {type: string, readOnly: true}
            note: {type: string}
            total: {$ref: "#/components/schemas/Money"}
            owner:
              type: object
              properties:
                id: {type: integer, readOnly: true}
                name: {type: string}
            items:
              type: array
              items:
                type: object
                properties:
                  sku: {type: string}
                  price: {type: number, readOnly: true}
            tags:
              type: object
              additionalProperties:
                type: object
                properties:
                  setBy: {type: string, readOnly: true}
            "a.b*c": {type: string, readOnly: true}
            payment:
              oneOf:
                - type: object
                  properties:
                    card: {type: string}
                    last4: {type: string, readOnly: true}
                - type: object
                  properties:
                    iban: {type: string}
                    bank: {type: string, readOnly: true}
            locked:
              allOf:
                - $ref: "#/components/schemas/Money"
                - readOnly: true
    Node:
      type: object
      properties:
        id: {type: string, readOnly: true}
        parent: {$ref: "#/components/schemas/Node"}
        children:
          type: array
          items: {$ref: "#/components/schemas/Node"}
    Tree:
      type: object
      properties:
        id: {type: string, readOnly: true}
        left: {$ref: "#/components/schemas/Tree"}
        right: {$ref: "#/components/schemas/Tree"}
    Loop:
      allOf:
        - $ref: "#/components/schemas/Loop"
        - type: object
          properties:
            v: {type: string, readOnly: true}
`

func TestReadOnlyFields(t *testing.T) {
	ref := func(name string) string {
		return `          application/json:
            schema: {$ref: "#/components/schemas/` + name + `"}`
	}
	tests := []struct {
		name    string
		version string
		content string
		want    []string
	}{
		{"ref allOf arrays nested", "3.0.3", ref("Order"), []string{
			"a\\.b\\*c", "createdAt", "createdBy", "id", "items.*.price", "locked",
			"owner.id", "payment.bank", "payment.last4", "tags.*.setBy", "total.currency",
		}},
		{"3.1 same document", "3.1.0", ref("Order"), []string{
			"a\\.b\\*c", "createdAt", "createdBy", "id", "items.*.price", "locked",
			"owner.id", "payment.bank", "payment.last4", "tags.*.setBy", "total.currency",
		}},
		{"array body", "3.0.3", `          application/json:
            schema:
              type: array
              items: {$ref: "#/components/schemas/Money"}`, []string{"*.currency"}},
		{"+json and charset, union of media types", "3.0.3", `          application/vnd.api+json; charset=utf-8:
            schema: {$ref: "#/components/schemas/Money"}
          application/json:
            schema: {$ref: "#/components/schemas/Audit"}
          text/plain:
            schema: {$ref: "#/components/schemas/Node"}`, []string{"createdAt", "createdBy", "currency"}},
		{"no readOnly", "3.0.3", `          application/json:
            schema: {type: object, properties: {a: {type: string}}}`, []string{}},
		{"not json", "3.0.3", `          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/Money"}`, nil},
		{"wildcard covers json", "3.0.3", `          "*/*":
            schema: {$ref: "#/components/schemas/Money"}`, []string{"currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, bodyDoc(tt.version, tt.content, readOnlyComponents))
			got := d.ReadOnlyFields("post", "/things")
			if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("ReadOnlyFields =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestReadOnlyFieldsRecursive(t *testing.T) {
	for _, name := range []string{"Node", "Tree", "Loop"} {
		t.Run(name, func(t *testing.T) {
			d := mustParse(t, bodyDoc("3.0.3", `          application/json:
            schema: {$ref: "#/components/schemas/`+name+`"}`, readOnlyComponents))
			got := d.ReadOnlyFields("POST", "/things")
			if len(got) == 0 || got[0] == "" {
				t.Fatalf("ReadOnlyFields = %q", got)
			}
			for _, p := range got {
				if n := strings.Count(p, ".") + 1; n > maxDepth+1 {
					t.Errorf("path %q has %d segments, over the cap", p, n)
				}
			}
			switch name {
			case "Node":
				for _, p := range []string{"id", "parent.id", "children.*.id", "children.*.parent.children.*.id"} {
					if !slices.Contains(got, p) {
						t.Errorf("missing %q", p)
					}
				}
			case "Tree":
				for _, p := range []string{"id", "left.id", "right.id", "left.right.left.id"} {
					if !slices.Contains(got, p) {
						t.Errorf("missing %q", p)
					}
				}
			case "Loop":
				if !slices.Equal(got, []string{"v"}) {
					t.Errorf("ReadOnlyFields = %q, want [v]", got)
				}
			}
		})
	}
}

func TestReadOnlyFieldsNoOperation(t *testing.T) {
	d := mustParse(t, petstore30)
	for _, c := range [][2]string{{"GET", "/pets"}, {"POST", "/nowhere"}, {"PUT", "/pets"}} {
		if got := d.ReadOnlyFields(c[0], c[1]); got != nil {
			t.Errorf("ReadOnlyFields(%s %s) = %q, want nil", c[0], c[1], got)
		}
	}
}

func TestEscapeName(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a.b": `a\.b`, "*": `\*`, `x\y`: `x\\y`} {
		if got := escapeName(in); got != want {
			t.Errorf("escapeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadOnlyFieldsRefSiblings(t *testing.T) {
	content := `          application/json:
            schema:
              type: object
              properties:
                m: {$ref: "#/components/schemas/Money", readOnly: true}`
	// 3.0 says a $ref's siblings are ignored; 3.1 applies them.
	for version, want := range map[string][]string{"3.0.3": {"m.currency"}, "3.1.0": {"m"}} {
		d := mustParse(t, bodyDoc(version, content, readOnlyComponents))
		if got := d.ReadOnlyFields("POST", "/things"); !slices.Equal(got, want) {
			t.Errorf("%s: ReadOnlyFields = %q, want %q", version, got, want)
		}
	}
}

// wideRecursive is a schema with n properties that each hold the schema again,
// and one read-only leaf: 32 levels hold n^31 paths.
func wideRecursive(n int) string {
	var b strings.Builder
	b.WriteString("    Wide:\n      type: object\n      properties:\n        id: {type: string, readOnly: true}\n")
	for i := range n {
		b.WriteString("        p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `: {$ref: "#/components/schemas/Wide"}` + "\n")
		b.WriteString("        q" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `: {type: array, items: {$ref: "#/components/schemas/Wide"}}` + "\n")
	}
	return b.String()
}

func TestBudgetsHold(t *testing.T) {
	d := mustParse(t, `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Wide"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Wide"}
components:
  schemas:
`+wideRecursive(200))
	got := d.ReadOnlyFields("POST", "/things")
	if len(got) > maxReadOnlyWork {
		t.Errorf("%d paths, over the work budget", len(got))
	}
	// Breadth first: the shallow paths are there, the cut is deep.
	for _, p := range []string{"id", "paa.id", "pab.id"} {
		if !slices.Contains(got, p) {
			t.Errorf("missing %q", p)
		}
	}
	// Memoized by schema and depth: one node per level.
	f := d.ResponseFields("POST", "/things", 200)
	if n := depth(f, "paa"); n != maxDepth+1 {
		t.Errorf("paa chain is %d deep, want %d", n, maxDepth+1)
	}
}

func TestRouteReadOnly(t *testing.T) {
	d := mustParse(t, bodyDoc("3.0.3", `          application/json:
            schema: {$ref: "#/components/schemas/Money"}`, readOnlyComponents))
	for _, tc := range []struct {
		methods []string
		path    string
		want    []string
	}{
		{[]string{"GET", "POST"}, "/things", []string{"currency"}},
		{[]string{"GET", "HEAD", "DELETE"}, "/things", nil},
		{[]string{"POST"}, "/elsewhere", nil},
	} {
		if got := d.RouteReadOnly(tc.methods, tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("%v %s: %q, want %q", tc.methods, tc.path, got, tc.want)
		}
	}
	var none *Doc
	if none.RouteReadOnly([]string{"POST"}, "/things") != nil {
		t.Error("a nil document has read-only fields")
	}
}
