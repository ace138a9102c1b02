package inspect

import (
	"slices"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/openapi"
)

const textDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                comment: {type: string, x-bulwark-text: prose}
                loose: {type: string}
      responses: {"200": {description: ok}}
`

func TestContractText(t *testing.T) {
	doc, err := openapi.Parse([]byte(textDoc))
	if err != nil {
		t.Fatal(err)
	}
	got := ContractText(doc, []string{"POST"}, "/notes/{id}")
	want := []TextField{{Field: "path.id", Text: TextStrict}, {Field: "body.comment", Text: TextProse}}
	slices.SortFunc(got, func(a, b TextField) int { return int(b.Text) - int(a.Text) })
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for _, tt := range []struct {
		name    string
		doc     *openapi.Doc
		methods []string
		path    string
	}{
		{"no document", nil, []string{"POST"}, "/notes/{id}"},
		{"several methods", doc, []string{"POST", "PUT"}, "/notes/{id}"},
		{"any method", doc, nil, "/notes/{id}"},
		{"undeclared", doc, []string{"GET"}, "/elsewhere"},
	} {
		if got := ContractText(tt.doc, tt.methods, tt.path); got != nil {
			t.Errorf("%s: %+v", tt.name, got)
		}
	}
}
