package waf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The corpus measurement sends every payload of /work/shared/corpora through the WAF
// and logs block rates; it asserts nothing about them (CRS is not ours to tune). It is
// slow (about a millisecond per request), so it runs only with BULWARK_WAF_CORPUS set:
// "all" for every line, or a number to sample at most that many lines per file.

// How a corpus line becomes a request.
type feed int

const (
	asValue        feed = iota // raw value, sent as q=<escaped>
	asEncodedValue             // URL-encoded value: decoded once, then as asValue
	asQuery                    // a query string, sent as it is
	asPValue                   // a URL-encoded value, sent as p=<line> (the ModSec-Learn form)
	asFileValue                // traversal payload with its own encoding, sent as file=<line>
	asJSONBody                 // a raw application/json body
	asCookie                   // a Cookie header value
)

type corpusFile struct {
	path string
	feed feed
}

var attackFiles = []corpusFile{
	{"attacks/sqli/patt-intruder.txt", asValue},
	{"attacks/sqli/seclists.txt", asValue},
	{"attacks/sqli/libinjection-data.txt", asEncodedValue},
	{"attacks/sqli/httpparams-sqli.txt", asValue},
	{"attacks/sqli/modsec-learn-malicious-test.txt", asQuery},
	{"attacks/sqli/modsec-advlearn-malicious-test.txt", asPValue},
	{"attacks/sqli/modsec-advlearn-adv-ms-pl1.txt", asPValue},
	{"attacks/sqli/modsec-advlearn-adv-ms-pl2.txt", asPValue},
	{"attacks/sqli/modsec-advlearn-adv-ms-pl3.txt", asPValue},
	{"attacks/sqli/modsec-advlearn-adv-ms-pl4.txt", asPValue},
	{"attacks/nosqli/payload-strings.txt", asValue},
	{"attacks/nosqli/patt-readme-querystring.txt", asQuery},
	{"attacks/nosqli/synthetic-querystring.txt", asQuery},
	{"attacks/nosqli/patt-readme-json.txt", asJSONBody},
	{"attacks/nosqli/synthetic-json-bodies.jsonl", asJSONBody},
	{"attacks/nosqli/synthetic-cookies.txt", asCookie},
	{"attacks/cmdi/patt-intruder.txt", asValue},
	{"attacks/cmdi/httpparams-cmdi.txt", asValue},
	{"attacks/path-traversal/patt-directory-traversal.txt", asFileValue},
	{"attacks/path-traversal/patt-dotdotpwn.txt", asFileValue},
	{"attacks/path-traversal/patt-lfi.txt", asFileValue},
	{"attacks/path-traversal/httpparams-path-traversal.txt", asValue},
}

var benignFiles = []corpusFile{
	{"benign/libinjection-false-positives.txt", asEncodedValue},
	{"benign/httpparams-norm.txt", asValue},
	{"benign/modsec-learn-legitimate-querystrings.txt", asQuery},
	{"benign/shakespeare-sqlish-lines.txt", asValue},
}

func corporaDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BULWARK_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpora") // ../shared/corpora from the repo root
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("corpora not found at %s (set BULWARK_CORPORA): %v", dir, err)
	}
	return dir
}

// corpusSample reads BULWARK_WAF_CORPUS: 0 means every line.
func corpusSample(t *testing.T) int {
	t.Helper()
	v := os.Getenv("BULWARK_WAF_CORPUS")
	if v == "" {
		t.Skip("corpus measurement is slow; set BULWARK_WAF_CORPUS=all (or a per-file sample size)")
	}
	if v == "all" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("BULWARK_WAF_CORPUS=%q: want all or a positive number", v)
	}
	return n
}

func TestCorpusBlockRates(t *testing.T) {
	dir, sample := corporaDir(t), corpusSample(t)
	for _, pl := range []int{1, 2} {
		w := testWAF(t, Config{Paranoia: pl})
		for _, f := range attackFiles {
			lines := readLines(t, filepath.Join(dir, f.path), sample)
			t.Logf("PL%d attack %-52s %s", pl, f.path, rate(t, w, lines, f.feed))
		}
		for _, f := range benignFiles {
			lines := readLines(t, filepath.Join(dir, f.path), sample)
			t.Logf("PL%d benign %-52s %s", pl, f.path, rate(t, w, lines, f.feed))
		}
		for _, name := range []string{"blns.jsonl", "authored/risky-strings.jsonl", "stripe-openapi-fixtures.jsonl"} {
			easy, hard, f := benignJSONValues(t, filepath.Join(dir, "benign", name))
			t.Logf("PL%d benign %-52s %s", pl, name, rate(t, w, easy, f))
			if len(hard) > 0 {
				t.Logf("PL%d benign %-52s %s", pl, name+" (hard)", rate(t, w, hard, f))
			}
		}
		easy, hard := benignRequests(t, dir)
		t.Logf("PL%d benign %-52s %s", pl, "authored/api-requests.jsonl + octokit", requestRate(t, w, easy))
		t.Logf("PL%d benign %-52s %s", pl, "authored/api-requests.jsonl (hard)", requestRate(t, w, hard))
	}
}

func rate(t *testing.T, w *WAF, lines []string, f feed) string {
	t.Helper()
	reqs := make([]corpusRequest, len(lines))
	for i, l := range lines {
		reqs[i] = buildFeed(l, f)
	}
	return requestRate(t, w, reqs)
}

type corpusRequest struct {
	method, uri, ctype, body string
	headers                  map[string]string
}

func requestRate(t *testing.T, w *WAF, reqs []corpusRequest) string {
	t.Helper()
	blocked, errs := 0, 0
	for _, c := range reqs {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		r := req(c.method, "/", c.ctype, body)
		r.RequestURI = c.uri
		for k, v := range c.headers {
			if strings.EqualFold(k, "host") {
				r.Host = v
				continue
			}
			r.Header.Set(k, v)
		}
		v, err := w.Check(r, body)
		switch {
		case err != nil:
			errs++
		case v.Blocked:
			blocked++
		}
	}
	if errs > 0 {
		t.Errorf("%d Check errors", errs)
	}
	return fmt.Sprintf("%6d blocked of %6d = %5.1f%%", blocked, len(reqs), pct(blocked, len(reqs)))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func buildFeed(line string, f feed) corpusRequest {
	c := corpusRequest{method: "GET", uri: "/api/search"}
	switch f {
	case asValue:
		c.uri += "?q=" + url.QueryEscape(line)
	case asEncodedValue:
		if d, err := url.QueryUnescape(line); err == nil {
			line = d
		}
		c.uri += "?q=" + url.QueryEscape(line)
	case asQuery:
		c.uri += "?" + sendable(line)
	case asPValue:
		c.uri += "?p=" + sendable(line)
	case asFileValue:
		c.uri = "/api/files?file=" + sendable(line)
	case asJSONBody:
		c.method, c.uri, c.ctype, c.body = "POST", "/api/query", "application/json", line
	case asCookie:
		c.headers = map[string]string{"Cookie": line}
	}
	return c
}

// sendable percent-encodes the bytes a client cannot put raw into a request target
// (controls, space, '#', non-ASCII) and keeps everything else as the source wrote it.
func sendable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// readLines reads a corpus file and its .multiline.jsonl companion, sampling evenly
// down to at most max lines (0: all).
func readLines(t *testing.T, path string, max int) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for l := range bytes.Lines(data) {
		if l = bytes.TrimRight(l, "\n"); len(l) > 0 {
			lines = append(lines, string(l))
		}
	}
	if ml, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".multiline.jsonl"); err == nil {
		for l := range bytes.Lines(ml) {
			var s string
			if json.Unmarshal(l, &s) == nil {
				lines = append(lines, s)
			}
		}
	}
	return sampleOf(lines, max)
}

func sampleOf[T any](all []T, max int) []T {
	if max == 0 || len(all) <= max {
		return all
	}
	out := make([]T, 0, max)
	for i := range max {
		out = append(out, all[i*len(all)/max])
	}
	return out
}

// benignJSONValues reads a benign JSON-lines file: blns (benign-edge-case rows only),
// risky-strings (hard rows apart) or the Stripe fixtures (bodies).
func benignJSONValues(t *testing.T, path string) (easy, hard []string, f feed) {
	t.Helper()
	f = asValue
	for _, l := range readLines(t, path, 0) {
		var row struct {
			Kind  string          `json:"kind"`
			Value string          `json:"value"`
			Hard  bool            `json:"hard"`
			Body  json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch {
		case row.Body != nil:
			f = asJSONBody
			easy = append(easy, string(row.Body))
		case row.Kind != "" && row.Kind != "benign-edge-case":
		case row.Hard:
			hard = append(hard, row.Value)
		default:
			easy = append(easy, row.Value)
		}
	}
	return easy, hard, f
}

// benignRequests reads the whole-request benign files: the authored API requests
// (hard rows apart) and the recorded GitHub REST requests.
func benignRequests(t *testing.T, dir string) (easy, hard []corpusRequest) {
	t.Helper()
	for _, l := range readLines(t, filepath.Join(dir, "benign/authored/api-requests.jsonl"), 0) {
		var row struct {
			Method, Path string
			Query        *string
			ContentType  string `json:"content_type"`
			Headers      map[string]string
			Hard         bool
			Body         json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		c := corpusRequest{method: row.Method, uri: sendable(row.Path), ctype: row.ContentType, body: rawBody(row.Body), headers: row.Headers}
		if row.Query != nil {
			c.uri += "?" + sendable(*row.Query)
		}
		if row.Hard {
			hard = append(hard, c)
		} else {
			easy = append(easy, c)
		}
	}
	for _, l := range readLines(t, filepath.Join(dir, "benign/octokit-fixtures-requests.jsonl"), 0) {
		var row struct {
			Method, Path string
			Body         json.RawMessage
			ReqHeaders   map[string]any
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		c := corpusRequest{method: row.Method, uri: sendable(row.Path), body: rawBody(row.Body), headers: map[string]string{}}
		for k, v := range row.ReqHeaders {
			if !strings.EqualFold(k, "content-length") { // req sets it from the body
				c.headers[k] = fmt.Sprint(v)
			}
		}
		c.ctype = c.headers["content-type"]
		easy = append(easy, c)
	}
	return easy, hard
}

// rawBody turns a corpus body (a JSON string, an object, or null) into request bytes.
func rawBody(m json.RawMessage) string {
	var s string
	if json.Unmarshal(m, &s) == nil {
		return s
	}
	if string(m) == "null" {
		return ""
	}
	return string(m)
}

// TestCorpusCRSRegression replays CRS's own regression stages through Check's feeding
// (PL4, threshold out of reach so every phase-2 rule runs) and logs how often the rule
// under test fired when it should and stayed quiet when it should: a check that Bulwark
// hands Coraza the request the way CRS's test harness does.
func TestCorpusCRSRegression(t *testing.T) {
	dir, sample := corporaDir(t), corpusSample(t)
	w := testWAF(t, Config{Paranoia: 4, AnomalyThreshold: 1 << 30})
	type tally struct{ expect, expectHit, noExpect, noExpectQuiet int }
	byFamily := map[string]*tally{}
	for _, l := range readLines(t, filepath.Join(dir, "requests/crs-regression-942-932-930-934.jsonl"), sample) {
		var row struct {
			RuleID  int    `json:"rule_id"`
			Family  string `json:"rule_family"`
			Label   string `json:"label"`
			Method  string `json:"method"`
			URI     string `json:"uri"`
			Version *string
			Headers map[string]string
			Data    *string
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		fired := regressionFired(t, w, row.Method, row.URI, row.Version, row.Headers, row.Data)
		tl := byFamily[row.Family]
		if tl == nil {
			tl = &tally{}
			byFamily[row.Family] = tl
		}
		if row.Label == "expect" {
			tl.expect++
			if fired[row.RuleID] {
				tl.expectHit++
			}
		} else {
			tl.noExpect++
			if !fired[row.RuleID] {
				tl.noExpectQuiet++
			}
		}
	}
	for _, fam := range []string{"sqli", "rce", "lfi", "generic"} {
		if tl := byFamily[fam]; tl != nil {
			t.Logf("%-8s expected rule fired %4d/%4d (%5.1f%%); FP checks quiet %4d/%4d (%5.1f%%)", fam,
				tl.expectHit, tl.expect, pct(tl.expectHit, tl.expect), tl.noExpectQuiet, tl.noExpect, pct(tl.noExpectQuiet, tl.noExpect))
		}
	}
}

func regressionFired(t *testing.T, w *WAF, method, uri string, version *string, headers map[string]string, data *string) map[int]bool {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Method, r.RequestURI, r.RemoteAddr = method, uri, "192.0.2.1:40000"
	if version != nil {
		r.Proto = *version
	}
	var body []byte
	if data != nil {
		body = []byte(*data)
	}
	r.Header = http.Header{}
	for k, v := range headers {
		if strings.EqualFold(k, "host") {
			r.Host = v
			continue
		}
		r.Header[k] = []string{v}
	}
	if len(body) > 0 && r.Header.Get("Content-Length") == "" && r.Header.Get("Transfer-Encoding") == "" {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	tx := w.newTransaction(r)
	defer func() {
		tx.ProcessLogging()
		_ = tx.Close()
	}()
	if _, err := evaluate(tx, r, body); err != nil {
		t.Errorf("%s %s: %v", method, uri, err)
	}
	fired := map[int]bool{}
	for _, m := range tx.MatchedRules() {
		fired[m.Rule().ID()] = true
	}
	return fired
}
