package graphql

import (
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// lexStats is what one linear pass of the lexer learns about a document
// before it is parsed: the parser and validator only ever see documents
// this pass admitted.
type lexStats struct {
	tokens, directives, nesting int
}

// maxNesting bounds braces, brackets and parentheses together, whatever the
// depth limit: the parser recurses once per level.
func maxNesting(l *Limits) int {
	return max(64, min(2*l.MaxDepth+8, 512))
}

// lexCheck counts tokens, directive uses and bracket nesting, stopping at the
// first limit crossed. A lexical error is left to the parser to report.
func lexCheck(q string, l *Limits) *Refusal {
	lx := lexer.New(&ast.Source{Input: q})
	var st lexStats
	limitNest := maxNesting(l)
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			return nil // the parser reports it with its position
		}
		switch tok.Kind {
		case lexer.EOF:
			return nil
		case lexer.BraceL, lexer.BracketL, lexer.ParenL:
			st.nesting++
			if st.nesting > limitNest {
				return refuse(http.StatusBadRequest, "graphql_too_deep",
					"The document nests deeper than this endpoint accepts.").with("limit", l.MaxDepth)
			}
		case lexer.BraceR, lexer.BracketR, lexer.ParenR:
			st.nesting--
		case lexer.At:
			st.directives++
			if st.directives > l.MaxDirectives {
				return refuse(http.StatusBadRequest, "graphql_too_many_directives",
					"The document uses more directives than this endpoint accepts.").with("limit", l.MaxDirectives)
			}
		case lexer.Comment:
			continue // comments are not tokens
		}
		st.tokens++
		if st.tokens > l.MaxTokens {
			return refuse(http.StatusBadRequest, "graphql_too_many_tokens",
				"The document has more tokens than this endpoint accepts.").with("limit", l.MaxTokens)
		}
	}
}
