package graphql

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// lexerStats counts what lexCheck counts, with gqlparser's lexer: the
// reference the byte scanner must agree with on every document that lexes.
func lexerStats(q string) (lexStats, bool) {
	lx := lexer.New(&ast.Source{Input: q})
	var st lexStats
	depth := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			return st, false
		}
		switch tok.Kind {
		case lexer.EOF:
			return st, true
		case lexer.Comment:
			st.comments = true
			continue
		case lexer.BraceL, lexer.BracketL, lexer.ParenL:
			depth++
			st.nesting = max(st.nesting, depth)
		case lexer.BraceR, lexer.BracketR, lexer.ParenR:
			depth--
		case lexer.At:
			st.directives++
		}
		st.tokens++
	}
}

func TestLexCheckAgreesWithLexer(t *testing.T) {
	docs := []string{
		typicalQuery,
		`{ a(s: "x \" } { ", b: """ block \""" { } """, n: -1.5e+3, m: 0, f: 2E7) @skip(if: $v) { ...F ... on T { c } } }`,
		"\ufeff# comment { [ (\r\nquery Q($a: [Int!]! = [1, 2], $b: In = {x: \"\\u00e9\"}) { x, y,, z }",
		`{ a(s: """multi
line "quoted" ""
""") }`,
		"{ é }", `{ a(s: "unterminated }`, "{ a(n: 1.) }", "{ .. }",
	}
	f, err := os.Open("testdata/corpus/operations.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			Body json.RawMessage `json:"body"`
		}
		_ = json.Unmarshal(sc.Bytes(), &e)
		var b struct {
			Query any `json:"query"`
		}
		_ = json.Unmarshal(e.Body, &b)
		if q, ok := b.Query.(string); ok && len(q) < 200_000 {
			docs = append(docs, q)
		}
	}
	open := Limits{MaxDepth: 1 << 20, MaxTokens: 1 << 40, MaxDirectives: 1 << 40}
	checked := 0
	for _, q := range docs {
		want, ok := lexerStats(q)
		got, ref := lexCheck(q, &open)
		if !ok {
			continue // the parser reports lexical errors; the counts may differ
		}
		checked++
		if ref != nil || got != want {
			t.Errorf("%.60q: lexCheck %+v (%v), lexer %+v", q, got, ref, want)
		}
	}
	if checked < len(docs)/2 {
		t.Fatalf("only %d of %d documents lexed", checked, len(docs))
	}
	if _, ref := lexCheck(strings.Repeat("{", 100), &Limits{MaxDepth: 10, MaxTokens: 1000, MaxDirectives: 1}); ref == nil || ref.Code != "graphql_too_deep" {
		t.Fatalf("deep: %v", ref)
	}
}
