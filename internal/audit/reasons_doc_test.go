package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the module root, two folders up from this package.
const repoRoot = "../.."

// codeReasons returns the stable codes the code can put in an audit event's
// reason or a problem's code, read from the Go sources under internal/ and
// cmd/ (tests excluded): the code argument of httperr.New, every value
// assigned to a Reason field or a variable named reason, the code and reason
// arguments of a package's own helpers (parameters named code or reason),
// and constants named Reason*. Values are string literals or constants;
// the few codes built at run time (a detector kind + "_monitored") are
// checked by their documented patterns instead. Each code maps to one place
// it comes from.
func codeReasons(t *testing.T) map[string]string {
	t.Helper()
	type pkg struct {
		files  []*ast.File
		consts map[string]string
		params map[string][]int // function name → indexes of its code/reason parameters
	}
	fset := token.NewFileSet()
	pkgs := map[string]*pkg{} // by directory
	byName := map[string]*pkg{}
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			dir := filepath.Dir(path)
			if strings.HasSuffix(dir, "test") { // storetest, ratelimittest: fixtures
				return nil
			}
			p := pkgs[dir]
			if p == nil {
				p = &pkg{consts: map[string]string{}, params: map[string][]int{}}
				pkgs[dir], byName[filepath.Base(dir)] = p, p
			}
			p.files = append(p.files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pkgs {
		for _, f := range p.files {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.GenDecl:
					if d.Tok != token.CONST {
						continue
					}
					for _, spec := range d.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, name := range vs.Names {
							if i < len(vs.Values) {
								if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
									p.consts[name.Name], _ = strconv.Unquote(lit.Value)
								}
							}
						}
					}
				case *ast.FuncDecl:
					i := 0
					for _, field := range d.Type.Params.List {
						for _, name := range field.Names {
							if name.Name == "code" || name.Name == "reason" {
								p.params[d.Name.Name] = append(p.params[d.Name.Name], i)
							}
							i++
						}
						if len(field.Names) == 0 {
							i++
						}
					}
				}
			}
		}
	}
	out := map[string]string{}
	for dir, p := range pkgs {
		// The admin API's and the authorization server's own answers go to
		// their clients, not into audit events; only what they record does.
		ownAnswers := slices.Contains([]string{"admin", "oauthserver"}, filepath.Base(dir))
		phrasing := phrases[filepath.Base(dir)]
		value := func(e ast.Expr) (string, bool) {
			switch v := e.(type) {
			case *ast.BasicLit:
				if v.Kind == token.STRING {
					s, err := strconv.Unquote(v.Value)
					return s, err == nil
				}
			case *ast.Ident:
				s, ok := p.consts[v.Name]
				return s, ok
			case *ast.SelectorExpr:
				if x, ok := v.X.(*ast.Ident); ok && byName[x.Name] != nil {
					s, ok := byName[x.Name].consts[v.Sel.Name]
					return s, ok
				}
			}
			return "", false
		}
		add := func(e ast.Expr) {
			if s, ok := value(e); ok && reasonShape.MatchString(s) {
				if _, seen := out[s]; !seen {
					out[s] = fset.Position(e.Pos()).String()
				}
			}
		}
		for _, f := range p.files {
			for name, v := range p.consts {
				if strings.HasPrefix(name, "Reason") && reasonShape.MatchString(v) && !phrases[f.Name.Name] {
					if _, seen := out[v]; !seen {
						out[v] = f.Name.Name + "." + name
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch fn := n.Fun.(type) {
					case *ast.SelectorExpr:
						if x, ok := fn.X.(*ast.Ident); ok && !ownAnswers && x.Name == "httperr" && fn.Sel.Name == "New" && len(n.Args) > 1 {
							add(n.Args[1])
						}
					case *ast.Ident:
						if ownAnswers || phrasing {
							break
						}
						for _, i := range p.params[fn.Name] {
							if i < len(n.Args) {
								add(n.Args[i])
							}
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && !phrasing && k.Name == "Reason" {
						add(n.Value)
					}
				case *ast.AssignStmt:
					if phrasing || len(n.Lhs) != len(n.Rhs) {
						return true
					}
					for i, lhs := range n.Lhs {
						switch l := lhs.(type) {
						case *ast.SelectorExpr:
							if l.Sel.Name == "Reason" {
								add(n.Rhs[i])
							}
						case *ast.Ident:
							if l.Name == "reason" {
								add(n.Rhs[i])
							}
						}
					}
				}
				return true
			})
		}
	}
	// Codes built at run time from a prefix and a constant.
	families := []struct{ pkg, constPrefix, codePrefix string }{
		{"inspect", "Detector", "injection_"},   // gateway findingOutcome: "injection_" + detector
		{"enumeration", "Rule", "enumeration_"}, // gateway enumeration alerts: "enumeration_" + rule
	}
	for _, f := range families {
		p := byName[f.pkg]
		if p == nil {
			t.Fatalf("package %s not found", f.pkg)
		}
		for name, v := range p.consts {
			if strings.HasPrefix(name, f.constPrefix) && name != f.constPrefix+"Inspect" {
				out[f.codePrefix+v] = f.pkg + "." + name
			}
		}
	}
	return out
}

// phrases are packages whose Reason* constants are phrases for a problem's
// detail ("nul byte", "event stream"), not codes.
var phrases = map[string]bool{"route": true, "media": true}

// reasonShape is what a stable code looks like (route.Reason* and media.Reason*
// are phrases for a problem's detail, not codes).
var reasonShape = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

var backquoted = regexp.MustCompile("`([a-z][a-z0-9_]*)`")

// docCodes returns every `code_like` token of the markdown files.
func docCodes(t *testing.T, files ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range backquoted.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
		}
	}
	return out
}

// Every reason and problem code the code can produce is documented on some
// page of docs/.
func TestEveryReasonIsDocumented(t *testing.T) {
	reasons := codeReasons(t)
	if len(reasons) < 50 {
		t.Fatalf("only %d reason codes found in the sources: the scan is broken", len(reasons))
	}
	pages, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	documented := docCodes(t, pages...)
	var missing []string
	for code, where := range reasons {
		if !documented[code] {
			missing = append(missing, code+" ("+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d reason codes are named on no page of docs/:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// Every reason docs/audit.md names — in its reasons table and in the schema's
// reason row — is one the code can produce (a monitored finding's reason is
// a code with _monitored appended).
func TestAuditDocNamesOnlyRealReasons(t *testing.T) {
	reasons := codeReasons(t)
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "audit.md"))
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	inTable := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "| reason | decision |"):
			inTable = true
		case inTable && !strings.HasPrefix(line, "|"):
			inTable = false
		case inTable && !strings.HasPrefix(line, "|---"):
			first := strings.Split(line, "|")[1]
			for _, m := range backquoted.FindAllStringSubmatch(first, -1) {
				named = append(named, m[1])
			}
		case strings.HasPrefix(line, "| `reason` |"):
			for _, m := range backquoted.FindAllStringSubmatch(line, -1) {
				if m[1] != "reason" && m[1] != "_monitored" {
					named = append(named, m[1])
				}
			}
		}
	}
	if len(named) < 20 {
		t.Fatalf("only %d reasons read from docs/audit.md: the table moved?", len(named))
	}
	for _, r := range named {
		base, monitored := strings.CutSuffix(r, "_monitored")
		if _, ok := reasons[r]; ok {
			continue
		}
		if _, ok := reasons[base]; monitored && ok {
			continue
		}
		t.Errorf("docs/audit.md names the reason %q, which no code produces", r)
	}
}

// auditOptions returns the audit config's keys as the config package decodes
// them (yaml tags of auditConfig and the structs it nests), dotted.
func auditOptions(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	structs := map[string]*ast.StructType{}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "internal", "config", "*.go"))
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	out := map[string]bool{}
	var walk func(typ, prefix string)
	walk = func(typ, prefix string) {
		st := structs[typ]
		if st == nil {
			t.Fatalf("config struct %s not found", typ)
		}
		for _, field := range st.Fields.List {
			if field.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(field.Tag.Value)
			name, _, _ := strings.Cut(reflectTag(tag, "yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			out[prefix+name] = true
			if star, ok := field.Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && structs[id.Name] != nil && strings.HasPrefix(id.Name, "audit") {
					walk(id.Name, prefix+name+".")
				}
			}
		}
	}
	walk("auditConfig", "")
	return out
}

// reflectTag returns the value of key in a struct tag.
func reflectTag(tag, key string) string {
	for _, part := range strings.Fields(tag) {
		if v, ok := strings.CutPrefix(part, key+":"); ok {
			s, _ := strconv.Unquote(v)
			return s
		}
	}
	return ""
}

// The options docs/audit.md shows — its configuration example and every
// `audit.…` / `tiers.…` name in its prose — are exactly the ones the config
// reads.
func TestAuditDocOptions(t *testing.T) {
	options := auditOptions(t)
	if len(options) < 15 {
		t.Fatalf("only %d audit options found in internal/config", len(options))
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "audit.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, cfg, ok := strings.Cut(doc, "## Configuration\n\n```yaml\n")
	if !ok {
		t.Fatal("docs/audit.md has no configuration example")
	}
	cfg, _, _ = strings.Cut(cfg, "```")
	// The keys under audit: in the example, dotted by indentation.
	shown := map[string]bool{}
	var stack []string
	inAudit := false
	key := regexp.MustCompile(`^( *)([a-z_]+):`)
	for _, line := range strings.Split(cfg, "\n") {
		m := key.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		depth := len(m[1]) / 2
		if depth == 0 {
			inAudit = m[2] == "audit"
			continue
		}
		if !inAudit {
			continue
		}
		stack = append(stack[:depth-1], m[2])
		shown[strings.Join(stack, ".")] = true
	}
	for o := range options {
		if !shown[o] {
			t.Errorf("audit option %s is not in the configuration example of docs/audit.md", o)
		}
	}
	for o := range shown {
		if !options[o] {
			t.Errorf("docs/audit.md's configuration example shows audit.%s, which the config does not read", o)
		}
	}
	for _, m := range regexp.MustCompile("`(audit|tiers)\\.([a-z_.]+)`").FindAllStringSubmatch(doc, -1) {
		name := m[2]
		if m[1] == "tiers" {
			name = "tiers." + name
		}
		if !options[name] {
			t.Errorf("docs/audit.md names the option %s.%s, which the config does not read", m[1], m[2])
		}
	}
}
