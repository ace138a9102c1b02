package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetAsideReason(t *testing.T) {
	tests := []struct{ name, v, want string }{
		{"bare separator", "|| ", "≤ 2 non-space characters"},
		{"quote pair", `'"`, "≤ 2 non-space characters"},
		{"newline", "\n", "≤ 2 non-space characters"},
		{"two letters", "id", "≤ 2 non-space characters"},
		{"command word", "whoami", "one word of letters"},
		{"keyword", "SELECT", "one word of letters"},
		{"file name without path", "passwd", "one word of letters"},
		{"command with argument kept", "sleep 5", ""},
		{"quoted separator kept", "'-'", ""},
		{"file with extension kept", "config.php", ""},
		{"encoded traversal kept", "..0x2fetc0x2fpasswd", ""},
		{"tautology kept", "or 1=1", ""},
		{"substitution kept", "`id`", ""},
		{"non-ASCII word kept", "sélect", ""},
		{"quoted word", "'true'", "one word of letters in quotes"},
		{"letters and digits kept", "asdf3334", ""},
		{"spelled-out hex traversal kept", "0x2e0x2e0x2fetc0x2fpasswd", ""},
		{"base64 path kept", "L2V0Yy9wYXNzd2Q", ""},
		{"number kept", "1234", ""},
		{"heading", "Time-Based:", "a note of the source list (a heading, or a token, a TAB and its description)"},
		{"cheat-sheet row", "@variable\tlocal variable", "a note of the source list (a heading, or a token, a TAB and its description)"},
		{"payload with a tab kept", "1\tOR\t1=1--", ""},
		{"comment line", "# from wapiti", "a comment line of the source list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := setAsideReason(tc.v, true); got != tc.want {
				t.Errorf("setAsideReason(%q) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestSampleItems(t *testing.T) {
	items := make([]Item, 10)
	for i := range items {
		items[i].Line = i
	}
	tests := []struct {
		name  string
		n     int
		lines []int
	}{
		{"all", 0, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"more than there are", 20, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"evenly spaced", 3, []int{0, 3, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sampleItems(items, tc.n)
			if len(got) != len(tc.lines) {
				t.Fatalf("got %d items, want %d", len(got), len(tc.lines))
			}
			for i, it := range got {
				if it.Line != tc.lines[i] {
					t.Errorf("item %d is line %d, want %d", i, it.Line, tc.lines[i])
				}
			}
		})
	}
}

// writeCorpus creates every file of fileTable under a temp root (empty unless
// files gives content) and returns the root.
func writeCorpus(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	all := map[string]string{}
	for _, s := range fileTable {
		all[s.Path] = ""
	}
	for p, c := range files {
		all[p] = c
	}
	for p, c := range all {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadCorpus(t *testing.T) {
	root := writeCorpus(t, map[string]string{
		"attacks/sqli/all-sqli.ambiguous.txt":                     "select\n'\n",
		"attacks/sqli/patt-intruder.txt":                          "' or 1=1--\nselect\n\n| \nunion\n",
		"attacks/sqli/modsec-advlearn-adv-ms-pl1.txt":             "1%27+or+2>1--\n",
		"attacks/sqli/modsec-advlearn-adv-ms-pl1.multiline.jsonl": "\"1'\\nor 2>1\"\n",
		"attacks/sqli/modsec-learn-malicious-test.txt":            "p=1%27+or+1%3D1\n",
		"attacks/nosqli/synthetic-querystring.txt":                "u[$ne]=1\n",
		"attacks/nosqli/synthetic-json-bodies.jsonl":              "{\"u\":{\"$ne\":1}}\n",
		"attacks/nosqli/synthetic-cookies.txt":                    "s=j:{\"$ne\":1}\n",
		"attacks/cmdi/patt-intruder.txt":                          "; cat /etc/hosts\r\nwhoami\n",
		"benign/blns.jsonl":                                       `{"section":"s","kind":"benign-edge-case","value":"null"}` + "\n" + `{"section":"s","kind":"attack","value":"<x>"}` + "\n",
		"benign/authored/risky-strings.jsonl":                     `{"category":"c","value":"O'Brien","hard":false,"note":""}` + "\n" + `{"category":"d","value":"SELECT 1","hard":true,"note":"n"}` + "\n",
		"benign/authored/api-requests.jsonl":                      `{"id":7,"kind":"query-string","method":"GET","path":"/api/articles","query":"a=b c","content_type":null,"body":null,"headers":{"X-B":"2","X-A":"1"},"framework":"Strapi","hard":true,"note":"ops"}` + "\n",
		"benign/stripe-openapi-fixtures.jsonl":                    `{"resource":"charge","body":{"id":"ch_1"}}` + "\n",
		"benign/octokit-fixtures-requests.jsonl":                  `{"method":"POST","path":"/repos/o/r/issues","reqheaders":{"host":"api.github.com","content-length":5,"content-type":"application/json"},"body":{"title":"x"}}` + "\n",
		"requests/crs-regression-942-932-930-934.jsonl":           `{"rule_id":942100,"rule_family":"sqli","test_id":1,"desc":"d","label":"expect","method":"POST","uri":"/post","headers":{"Host":"localhost","Bad":"a\nb"},"data":"x=1' or 1=1"}` + "\n",
		"attacks/path-traversal/extra.txt":                        "../../etc/passwd\n",
		"notes/other.bin":                                         "x",
	})
	c, err := loadCorpus(root, 0)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]Item{}
	for _, it := range c.Items {
		byFile[it.File] = append(byFile[it.File], it)
	}
	check := func(file string, n int, channels string) {
		t.Helper()
		items := byFile[file]
		if len(items) != n {
			t.Fatalf("%s: %d items, want %d: %+v", file, len(items), n, items)
		}
		var chs []string
		for _, r := range items[0].Reqs {
			chs = append(chs, r.Channel)
		}
		if got := strings.Join(chs, ","); got != channels {
			t.Errorf("%s: channels %s, want %s", file, got, channels)
		}
	}
	check("attacks/sqli/patt-intruder.txt", 1, "query,json")
	check("attacks/sqli/modsec-advlearn-adv-ms-pl1.txt", 2, "query,json")
	check("attacks/sqli/modsec-learn-malicious-test.txt", 1, "qs,json")
	check("attacks/nosqli/synthetic-querystring.txt", 1, "qs")
	check("attacks/nosqli/synthetic-json-bodies.jsonl", 1, "body")
	check("attacks/nosqli/synthetic-cookies.txt", 1, "cookie")
	check("attacks/cmdi/patt-intruder.txt", 1, "query,json")
	check("benign/blns.jsonl", 1, "query,json")
	check("benign/authored/risky-strings.jsonl", 2, "query,json")
	check("benign/authored/api-requests.jsonl", 1, "request")
	check("benign/stripe-openapi-fixtures.jsonl", 1, "body")
	check("benign/octokit-fixtures-requests.jsonl", 1, "request")
	check("requests/crs-regression-942-932-930-934.jsonl", 1, "request")
	check("attacks/path-traversal/extra.txt", 1, "query,json")

	if got := c.Uncounted; got["attacks/sqli/all-sqli.ambiguous.txt"] != 2 || got["attacks/sqli/patt-intruder.txt"] != 1 || got["benign/blns.jsonl"] != 1 {
		t.Errorf("uncounted = %v", got)
	}
	if got := c.SetAside["attacks/sqli/patt-intruder.txt"]; len(got) != 2 {
		t.Errorf("sqli set aside = %v, want '| ' and 'union'", got)
	}
	if got := c.SetAside["attacks/cmdi/patt-intruder.txt"]; len(got) != 1 || !strings.Contains(got[0], "whoami") {
		t.Errorf("cmdi set aside = %v, want whoami", got)
	}
	if c.Dropped != 1 {
		t.Errorf("dropped headers = %d, want 1 (LF in a value)", c.Dropped)
	}
	if len(c.Ignored) != 1 || c.Ignored[0] != "notes/other.bin" {
		t.Errorf("ignored = %v", c.Ignored)
	}

	adv := byFile["attacks/sqli/modsec-advlearn-adv-ms-pl1.txt"]
	if q := adv[1].Reqs[0].Req.Target; q != "/search?q=1'%0Aor%202>1" {
		t.Errorf("multiline encoded payload target = %q", q)
	}
	if cmd := byFile["attacks/cmdi/patt-intruder.txt"][0].Value; cmd != "; cat /etc/hosts" {
		t.Errorf("CRLF line read as %q", cmd)
	}
	risky := byFile["benign/authored/risky-strings.jsonl"]
	if risky[1].Label != LabelHard || risky[1].Reqs[1].Req.Target != "/posts.json" {
		t.Errorf("hard risky row = %+v", risky[1])
	}
	api := byFile["benign/authored/api-requests.jsonl"][0]
	if r := api.Reqs[0].Req; api.Label != LabelHard || r.Target != "/api/articles?a=b%20c" || r.Header[0][0] != "X-A" {
		t.Errorf("api request = %+v", api)
	}
	crs := byFile["requests/crs-regression-942-932-930-934.jsonl"][0]
	if r := crs.Reqs[0].Req; crs.Label != LabelInfo || crs.Group != "sqli" || crs.Note != "expect" || r.header("Content-Type") != ctForm || len(r.Header) != 1 {
		t.Errorf("crs request = %+v", crs)
	}
	okt := byFile["benign/octokit-fixtures-requests.jsonl"][0].Reqs[0].Req
	if string(okt.Body) != `{"title":"x"}` || okt.header("host") != "" || okt.header("content-length") != "" {
		t.Errorf("octokit request = %+v", okt)
	}
}

func TestLoadCorpusMissingFile(t *testing.T) {
	root := writeCorpus(t, nil)
	if err := os.Remove(filepath.Join(root, "benign", "blns.jsonl")); err != nil {
		t.Fatal(err)
	}
	c, err := loadCorpus(root, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) != 1 || c.Missing[0] != "benign/blns.jsonl" {
		t.Errorf("missing = %v, want [benign/blns.jsonl]", c.Missing)
	}
}

func TestLoadCorpusEmptyRoot(t *testing.T) {
	if _, err := loadCorpus(t.TempDir(), 0); err == nil {
		t.Error("loadCorpus of an empty directory: no error")
	}
}

func TestLoadCorpusSampleKeepsHardRows(t *testing.T) {
	root := writeCorpus(t, map[string]string{
		"benign/authored/risky-strings.jsonl": `{"value":"a b","hard":false}` + "\n" + `{"value":"c d","hard":false}` + "\n" +
			`{"value":"SELECT 1","hard":true}` + "\n" + `{"value":"ls | wc","hard":true}` + "\n",
	})
	c, err := loadCorpus(root, 1)
	if err != nil {
		t.Fatal(err)
	}
	benign, hard := 0, 0
	for _, it := range c.Items {
		switch it.Label {
		case LabelBenign:
			benign++
		case LabelHard:
			hard++
		}
	}
	if benign != 1 || hard != 2 {
		t.Errorf("sample 1: %d benign, %d hard items; want 1 and every hard row (2)", benign, hard)
	}
}
