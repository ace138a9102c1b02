package openapi

import (
	"fmt"
	"testing"
)

func TestTextFields(t *testing.T) {
	d, err := Parse([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /posts/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    post:
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: sku, in: query, schema: {type: string, pattern: "^[A-Z0-9-]+$"}}
        - {name: X-Note, in: header, schema: {type: string, x-bulwark-text: prose}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string, maxLength: 40}
                raw: {type: string, x-bulwark-text: prose}
                body: {type: string}
                email: {type: string, format: email}
                tags:
                  type: array
                  items: {type: string, enum: [a, b]}
                items:
                  type: array
                  items:
                    type: object
                    properties:
                      note: {$ref: "#/components/schemas/Prose"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Prose: {type: string, x-bulwark-text: prose}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range d.TextFields("POST", "/posts/{id}") {
		got[f.Field] = f.Prose
	}
	want := map[string]bool{"path.id": false, "query.sku": false, "header.x-note": true, "body.title": false,
		"body.raw": true, "body.email": false, "body.tags.*": false, "body.items.*.note": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("TextFields:\n got %v\nwant %v", got, want)
	}
	if d.TextFields("GET", "/posts/{id}") != nil {
		t.Error("an undeclared operation has text fields")
	}
}
