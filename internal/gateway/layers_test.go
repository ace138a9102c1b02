package gateway

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stages are the packages of the pipeline's guards (with their sub-packages).
var stages = []string{"authn", "authz", "cors", "filter", "graphql", "hygiene", "inspect", "ratelimit", "waf"}

// below are packages the stages build on: the forwarder the response guards
// are handed to, and the leaves. They import no stage at all.
var below = []string{"proxy", "exchange", "jsonread", "jsonstr", "principal", "route", "httperr", "codec", "bufpool"}

// The gateway is the only place where the stage packages meet (ARCHITECTURE
// §3a, docs/architecture.md): no stage imports another stage, config or the
// gateway; what one needs of another is handed over by the gateway as a
// function. The forwarder and the leaves below the stages import no stage.
// Test files may import what they like.
func TestStagesImportNoOtherStage(t *testing.T) {
	const prefix = "github.com/bulwark-gw/bulwark/internal/"
	internal, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := func(own, imp string) bool {
		top, _, _ := strings.Cut(imp, "/")
		if top == "config" || top == "gateway" {
			return true
		}
		for _, s := range stages {
			if top == s && s != own {
				return true
			}
		}
		return false
	}
	files := 0
	for _, own := range append(append([]string(nil), stages...), below...) {
		root := filepath.Join(internal, own)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
			if err != nil {
				return err
			}
			files++
			for _, is := range f.Imports {
				imp, _ := strconv.Unquote(is.Path.Value)
				if rest, ok := strings.CutPrefix(imp, prefix); ok && forbidden(own, rest) {
					rel, _ := filepath.Rel(internal, path)
					t.Errorf("internal/%s imports %s: stages meet only in the gateway, and what they build on imports none", rel, imp)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 80 {
		t.Fatalf("read only %d files of the stage packages: is the layout different?", files)
	}
}
