package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// Label says how a replayed item is scored.
type Label uint8

// Labels of corpus items.
const (
	LabelAttack Label = iota + 1 // must be refused: a pass is a miss
	LabelBenign                  // must pass: a refusal is a false positive
	LabelHard                    // legitimate only on a route configured for its API
	LabelInfo                    // reported, not scored (the CRS regression requests)
)

func (l Label) String() string {
	switch l {
	case LabelAttack:
		return "attack"
	case LabelBenign:
		return "benign"
	case LabelHard:
		return "hard"
	case LabelInfo:
		return "info"
	}
	return "?"
}

// kind is how a corpus file's lines become requests.
type kind uint8

const (
	kValues      kind = iota + 1 // one payload per line → query value and JSON body
	kQueryString                 // whole query string → verbatim and as decoded JSON pairs
	kQueryOnly                   // whole query string → verbatim only
	kJSONBodies                  // one raw JSON body per line
	kCookies                     // one Cookie header per line
	kCRS                         // go-ftw stages: whole requests
	kOctokit                     // recorded GitHub REST requests
	kStripe                      // {"resource","body"}: body as a JSON POST
	kBLNS                        // {"kind","value"}: value through both channels
	kRisky                       // {"value","hard"}: value through both channels
	kAPIRequests                 // authored whole requests, some hard
	kAmbiguous                   // neither attack nor benign: counted, never sent
)

// fileSpec describes one corpus file.
type fileSpec struct {
	Path    string // relative to the corpora root, '/'-separated
	Kind    kind
	Label   Label
	Group   string // sqli, nosqli, cmdi, traversal, benign, crs
	Encoded bool   // URL-encoded payloads: verbatim into the query, decoded once for JSON
	Adv     bool   // a WAF-A-MoLE adversarial file
	Guessed bool   // not in fileTable; kind guessed from its place
}

// fileTable lists the known corpus files (README.md of the corpora).
var fileTable = []fileSpec{
	{Path: "attacks/sqli/patt-intruder.txt", Kind: kValues, Label: LabelAttack, Group: "sqli"},
	{Path: "attacks/sqli/seclists.txt", Kind: kValues, Label: LabelAttack, Group: "sqli"},
	{Path: "attacks/sqli/libinjection-data.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true},
	{Path: "attacks/sqli/httpparams-sqli.txt", Kind: kValues, Label: LabelAttack, Group: "sqli"},
	{Path: "attacks/sqli/modsec-learn-malicious-test.txt", Kind: kQueryString, Label: LabelAttack, Group: "sqli"},
	{Path: "attacks/sqli/modsec-advlearn-malicious-test.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true},
	{Path: "attacks/sqli/modsec-advlearn-adv-ms-pl1.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true, Adv: true},
	{Path: "attacks/sqli/modsec-advlearn-adv-ms-pl2.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true, Adv: true},
	{Path: "attacks/sqli/modsec-advlearn-adv-ms-pl3.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true, Adv: true},
	{Path: "attacks/sqli/modsec-advlearn-adv-ms-pl4.txt", Kind: kValues, Label: LabelAttack, Group: "sqli", Encoded: true, Adv: true},
	{Path: "attacks/sqli/all-sqli.ambiguous.txt", Kind: kAmbiguous, Group: "sqli"},
	{Path: "attacks/nosqli/payload-strings.txt", Kind: kValues, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/nosqli/patt-readme-querystring.txt", Kind: kQueryOnly, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/nosqli/patt-readme-json.txt", Kind: kJSONBodies, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/nosqli/synthetic-querystring.txt", Kind: kQueryOnly, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/nosqli/synthetic-json-bodies.jsonl", Kind: kJSONBodies, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/nosqli/synthetic-cookies.txt", Kind: kCookies, Label: LabelAttack, Group: "nosqli"},
	{Path: "attacks/cmdi/patt-intruder.txt", Kind: kValues, Label: LabelAttack, Group: "cmdi"},
	{Path: "attacks/cmdi/httpparams-cmdi.txt", Kind: kValues, Label: LabelAttack, Group: "cmdi"},
	{Path: "attacks/path-traversal/patt-directory-traversal.txt", Kind: kValues, Label: LabelAttack, Group: "traversal"},
	{Path: "attacks/path-traversal/patt-dotdotpwn.txt", Kind: kValues, Label: LabelAttack, Group: "traversal"},
	{Path: "attacks/path-traversal/patt-lfi.txt", Kind: kValues, Label: LabelAttack, Group: "traversal"},
	{Path: "attacks/path-traversal/httpparams-path-traversal.txt", Kind: kValues, Label: LabelAttack, Group: "traversal"},
	{Path: "requests/crs-regression-942-932-930-934.jsonl", Kind: kCRS, Label: LabelInfo, Group: "crs"},
	{Path: "benign/libinjection-false-positives.txt", Kind: kValues, Label: LabelBenign, Group: "benign", Encoded: true},
	{Path: "benign/httpparams-norm.txt", Kind: kValues, Label: LabelBenign, Group: "benign"},
	{Path: "benign/modsec-learn-legitimate-querystrings.txt", Kind: kQueryString, Label: LabelBenign, Group: "benign"},
	{Path: "benign/stripe-openapi-fixtures.jsonl", Kind: kStripe, Label: LabelBenign, Group: "benign"},
	{Path: "benign/octokit-fixtures-requests.jsonl", Kind: kOctokit, Label: LabelBenign, Group: "benign"},
	{Path: "benign/blns.jsonl", Kind: kBLNS, Label: LabelBenign, Group: "benign"},
	{Path: "benign/shakespeare-sqlish-lines.txt", Kind: kValues, Label: LabelBenign, Group: "benign"},
	{Path: "benign/authored/risky-strings.jsonl", Kind: kRisky, Label: LabelBenign, Group: "benign"},
	{Path: "benign/authored/api-requests.jsonl", Kind: kAPIRequests, Label: LabelBenign, Group: "benign"},
}

// multilineSuffix marks the companion file of a .txt holding the payloads
// with CR or LF, one JSON string per line.
const multilineSuffix = ".multiline.jsonl"

// chanReq is one channel of an item: the same payload carried one way.
type chanReq struct {
	Channel string // query, json, qs, body, cookie, request
	Req     Request
}

// Item is one corpus entry and the requests that carry it.
type Item struct {
	File  string // corpus path of the file it is reported under
	Line  int    // 1-based line in its source file
	Label Label
	Group string // see fileSpec.Group; for the CRS file, the rule family
	Note  string // hard rows: framework and note; CRS rows: label
	Value string // the payload or a short description, for listings
	Reqs  []chanReq
}

// Corpus is everything read from the corpora directory.
type Corpus struct {
	Specs     []fileSpec          // the files read, in table order, then guessed ones
	Items     []Item              // in file order
	SetAside  map[string][]string // file → payloads set aside by setAsideReason (with the reason)
	Uncounted map[string]int      // file → items neither attack nor benign (ambiguous, blns attack/ambiguous)
	Dropped   int                 // recorded header fields that could not be sent (CR/LF in the value)
	Ignored   []string            // files under the root this program does not know how to replay
	Missing   []string            // known files absent from the root (another corpus layout)
}

// loadCorpus reads every known file under root, and the unknown ones whose
// kind follows from their place. Known files that are absent are listed in
// Missing (another corpus may hold fewer files); a root without any file
// to replay is an error. sample > 0 keeps at most sample items per file,
// evenly spaced, and every hard row.
func loadCorpus(root string, sample int) (*Corpus, error) {
	c := &Corpus{SetAside: map[string][]string{}, Uncounted: map[string]int{}}
	specs, err := c.discover(root)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(specs, func(s fileSpec) bool { return s.Kind != kAmbiguous }) {
		return nil, fmt.Errorf("no corpus file to replay under %s", root)
	}
	ambiguous := map[string]bool{}
	for _, s := range specs {
		if s.Kind != kAmbiguous {
			continue
		}
		lines, err := readLines(filepath.Join(root, filepath.FromSlash(s.Path)))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			ambiguous[l.Text] = true
		}
		c.Uncounted[s.Path] += len(lines)
	}
	for _, s := range specs {
		if s.Kind == kAmbiguous {
			continue
		}
		items, err := c.readFile(root, s, ambiguous)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		c.Specs = append(c.Specs, s)
		// hard rows are few and reported one by one: never sampled out
		var hard, rest []Item
		for _, it := range items {
			if it.Label == LabelHard {
				hard = append(hard, it)
			} else {
				rest = append(rest, it)
			}
		}
		c.Items = append(c.Items, sampleItems(rest, sample)...)
		c.Items = append(c.Items, hard...)
	}
	return c, nil
}

// mergeAuthored adds the items of Bulwark's own rows (bench/detection/testdata/corpora,
// the corpora layout) to c. Their paths are reported with the prefix
// "bulwark:" so that they never mix with a shared file of the same name.
func (c *Corpus) mergeAuthored(a *Corpus) {
	for _, s := range a.Specs {
		s.Path = authoredPrefix + s.Path
		c.Specs = append(c.Specs, s)
	}
	for _, it := range a.Items {
		it.File = authoredPrefix + it.File
		c.Items = append(c.Items, it)
	}
	for f, l := range a.SetAside {
		c.SetAside[authoredPrefix+f] = l
	}
	for f, n := range a.Uncounted {
		c.Uncounted[authoredPrefix+f] = n
	}
	for _, f := range a.Ignored {
		c.Ignored = append(c.Ignored, authoredPrefix+f)
	}
}

// authoredPrefix marks the files of the project's own corpus in reports.
const authoredPrefix = "bulwark:"

// discover returns the specs of the files present under root: the known
// ones in table order, then unknown files under attacks/ and benign/ whose
// kind follows from their place (attacks/<class>/*.txt and benign/*.txt are
// one payload per line). Absent known files go to c.Missing, files of no
// known kind to c.Ignored.
func (c *Corpus) discover(root string) ([]fileSpec, error) {
	var present []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			present = append(present, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var specs []fileSpec
	known := map[string]bool{}
	for _, s := range fileTable {
		known[s.Path] = true
		if !slices.Contains(present, s.Path) {
			c.Missing = append(c.Missing, s.Path)
			continue
		}
		specs = append(specs, s)
	}
	for _, p := range present {
		if known[p] || strings.EqualFold(filepath.Ext(p), ".md") {
			continue
		}
		if txt, ok := strings.CutSuffix(p, multilineSuffix); ok && slices.Contains(present, txt+".txt") {
			continue // read together with its .txt
		}
		if s, ok := guessSpec(p); ok {
			specs = append(specs, s)
			continue
		}
		c.Ignored = append(c.Ignored, p)
	}
	return specs, nil
}

// guessSpec gives an unknown file a spec from its place in the layout.
func guessSpec(p string) (fileSpec, bool) {
	parts := strings.Split(p, "/")
	switch {
	case strings.HasSuffix(p, ".ambiguous.txt"):
		return fileSpec{Path: p, Kind: kAmbiguous, Guessed: true}, true
	case len(parts) == 3 && parts[0] == "attacks" && strings.HasSuffix(p, ".txt"):
		g := parts[1]
		if g == "path-traversal" {
			g = "traversal"
		}
		return fileSpec{Path: p, Kind: kValues, Label: LabelAttack, Group: g, Guessed: true}, true
	case len(parts) == 2 && parts[0] == "benign" && strings.HasSuffix(p, ".txt"):
		return fileSpec{Path: p, Kind: kValues, Label: LabelBenign, Group: "benign", Guessed: true}, true
	case len(parts) == 3 && parts[0] == "benign" && parts[1] == "authored" && strings.HasSuffix(p, ".jsonl"):
		// the risky-strings format: {"category","value","hard","note"}
		return fileSpec{Path: p, Kind: kRisky, Label: LabelBenign, Group: "benign", Guessed: true}, true
	}
	return fileSpec{}, false
}

// line is one non-empty line of a file (or one string of a .multiline.jsonl).
type line struct {
	N    int
	Text string
	Src  string // file name, when not the spec's own file
}

// readLines returns the non-empty lines of a file as bytes (not necessarily
// UTF-8), without the line ending.
func readLines(path string) ([]line, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []line
	n := 0
	for raw := range bytes.SplitSeq(data, []byte{'\n'}) {
		n++
		raw = bytes.TrimSuffix(raw, []byte{'\r'})
		if len(raw) > 0 {
			out = append(out, line{N: n, Text: string(raw)})
		}
	}
	return out, nil
}

// readMultiline returns the strings of a .multiline.jsonl companion, or
// nothing when there is none.
func readMultiline(path string) ([]line, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var s string
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", filepath.Base(path), n, err)
		}
		out = append(out, line{N: n, Text: s, Src: filepath.Base(path)})
	}
	return out, sc.Err()
}

// setAsideReason is the one rule by which a fuzz-list token is not counted
// as an attack: it carries no injection syntax a value-level detector could
// see without refusing ordinary input. It applies to every attack file of
// single payloads, on the payload as the application receives it (decoded
// once for URL-encoded sources).
//
//   - at most two non-space characters ("|", "&&", "' ", "\n"): a bare
//     separator or quote, indistinguishable from punctuation in text;
//   - one word of ASCII letters only ("whoami", "select", "passwd"): a
//     command, keyword or file name with no syntax around it;
//   - one word of ASCII letters in quotes ("'true'", "'LIKE'");
//   - notes of the source list, not payloads: comment lines ("# 847 attack
//     vectors …"), headings ("Time-Based:") and cheat-sheet rows (a token, a
//     TAB, words describing it).
//
// The payload is judged as the application receives it: list notation such
// as %0a is decoded once first. Notes are looked for only in hand-written
// lists (notes false for URL-encoded and generated sources, whose payloads
// use TAB as white space).
func setAsideReason(v string, notes bool) string {
	t := strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(t, "# "):
		return "a comment line of the source list"
	case notes && listNote(t):
		return "a note of the source list (a heading, or a token, a TAB and its description)"
	}
	nonSpace := 0
	for _, r := range v {
		if !unicode.IsSpace(r) {
			nonSpace++
		}
	}
	if nonSpace <= 2 {
		return "≤ 2 non-space characters"
	}
	if isLetters(t) {
		return "one word of letters"
	}
	if w := unquote(t); w != t && isLetters(w) {
		return "one word of letters in quotes"
	}
	return ""
}

// listNote reports the notes fuzz lists carry between payloads: a heading
// ("Time-Based:") or a cheat-sheet row, a token then a TAB and words
// describing it ("@variable<TAB>local variable").
func listNote(t string) bool {
	if strings.HasSuffix(t, ":") && strings.IndexFunc(t[:len(t)-1], func(r rune) bool {
		return !unicode.IsLetter(r) && r != ' ' && r != '-'
	}) < 0 {
		return true
	}
	_, desc, ok := strings.Cut(t, "\t")
	if !ok {
		return false
	}
	words := strings.Fields(strings.NewReplacer("(", " ", ")", " ", ",", " ").Replace(desc))
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if !isLetters(w) {
			return false
		}
	}
	return true
}

// unquote strips one pair of matching quotes.
func unquote(t string) string {
	if len(t) >= 2 && (t[0] == '\'' || t[0] == '"') && t[len(t)-1] == t[0] {
		return t[1 : len(t)-1]
	}
	return t
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// sampleItems keeps at most n items, evenly spaced; n <= 0 keeps all.
func sampleItems(items []Item, n int) []Item {
	if n <= 0 || len(items) <= n {
		return items
	}
	out := make([]Item, 0, n)
	for i := range n {
		out = append(out, items[i*len(items)/n])
	}
	return out
}

// shorten cuts s for listings (valid UTF-8 kept whole, control characters
// shown escaped).
func shorten(s string, max int) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
