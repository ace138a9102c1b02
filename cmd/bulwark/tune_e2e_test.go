package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A recorded monitor-mode run (real binary, real requests, the audit log it
// wrote) goes through `bulwark tune` to a patched config that `bulwark
// check` accepts, twice (each run records the first finding of a request);
// the gateway on the final config in block mode passes the same legitimate
// requests and still refuses attacks in the other fields and detectors.
func TestTuneFromMonitorRunToAcceptedPatch(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	auditFile := filepath.Join(dir, "audit.jsonl")
	cfg := `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:` + filepath.Join(dir, "bulwark.db") + `
audit:
  stdout: false
  file: ` + auditFile + `
  store: true
apis:
  - name: forum
    upstream: ` + up.URL + `
    auth: [none]
    routes:
      # the forum's routes, in monitor mode while their findings are reviewed
      - match: POST /posts
        inspect: {mode: monitor}
      - match: GET /search
        inspect: {mode: monitor}
`
	cfgPath := writeConfig(t, dir, cfg)

	// Legitimate developer content that the detectors flag.
	post := func(p *proc, body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", p.url("/posts"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	search := func(p *proc, q string) int {
		t.Helper()
		resp, _ := get(t, p.url("/search?q="+url.QueryEscape(q)))
		return resp.StatusCode
	}
	posts := []string{
		mustJSON(t, map[string]any{"title": "Pagination", "raw": "Example: `SELECT id, title FROM posts WHERE published ORDER BY created_at DESC LIMIT 10;`"}),
		mustJSON(t, map[string]any{"title": "Logs", "raw": "hi", "attachments": []any{
			map[string]string{"caption": "a screenshot"},
			map[string]string{"caption": "tail -f /var/log/app/app.log | grep ERROR"}}}),
		mustJSON(t, map[string]any{"title": "Logs again", "raw": "hi", "attachments": []any{
			map[string]string{"caption": "lsof -i :8080 | grep LISTEN"}}}),
	}
	searches := []string{"find . -name '*.go' | xargs wc -l | tail -1"}
	// record replays the traffic through the gateway on config (monitor
	// mode: everything passes) and returns the audit log so far.
	record := func(config string) string {
		t.Helper()
		p := startBulwark(t, "serve", "-c", config)
		for _, b := range posts {
			if s := post(p, b); s != http.StatusOK {
				t.Fatalf("monitor mode: POST /posts %d", s)
			}
		}
		for _, q := range searches {
			if s := search(p, q); s != http.StatusOK {
				t.Fatalf("monitor mode: GET /search %d", s)
			}
		}
		if err := p.stop(sigterm); err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(auditFile)
		if err != nil {
			t.Fatal(err)
		}
		return string(log)
	}
	// tuneTo runs bulwark tune on config and the audit log, checks the
	// patch with bulwark check, and returns the summary and the patch.
	tuneTo := func(config, patched string) (string, string) {
		t.Helper()
		out, err := execCommand(binPath, "tune", "-c", config, "-audit", auditFile, "-o", patched).CombinedOutput()
		if err != nil {
			t.Fatalf("bulwark tune: %v\n%s", err, out)
		}
		src, _ := os.ReadFile(patched)
		if out, err := execCommand(binPath, "check", "-c", patched).CombinedOutput(); err != nil {
			t.Fatalf("bulwark check rejects the patch: %v\n%s\n%s", err, out, src)
		}
		for _, v := range []string{"SELECT", "tail -f", "lsof", "xargs"} {
			if strings.Contains(string(src), v) {
				t.Errorf("the patch quotes a request value (%q):\n%s", v, src)
			}
		}
		if strings.Contains(string(out), "WARNING") {
			t.Errorf("a narrow run produced a location-wide proposal:\n%s", out)
		}
		return string(out), string(src)
	}

	if log := record(cfgPath); strings.Count(log, "_monitored") != 4 {
		t.Fatalf("%d monitored findings in the audit log, want 4:\n%s", strings.Count(log, "_monitored"), log)
	}
	patched := filepath.Join(dir, "patched.yaml")
	out, _ := tuneTo(cfgPath, patched)
	for _, want := range []string{
		"exclude body.raw from sqli", "exclude body.attachments.*.caption from cmdi — 2 finding(s)",
		"exclude query.q from cmdi", "e.g. body:attachments[0].caption, body:attachments[1].caption",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tune summary lacks %q:\n%s", want, out)
		}
	}
	// The same findings read from the store instead of the file.
	fromStore, err := execCommand(binPath, "tune", "-c", cfgPath, "-store", "-o", filepath.Join(dir, "from-store.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("bulwark tune -store: %v\n%s", err, fromStore)
	}
	if string(fromStore) != out {
		t.Errorf("tune -store and tune -audit disagree:\n%s\n---\n%s", fromStore, out)
	}
	// The audit log holds one finding per request, the first detector's:
	// a second monitor run on the patched config shows what fires next on
	// the same values (a log path in a caption is also a traversal finding).
	log := record(patched)
	if !strings.Contains(log, `"reason":"injection_traversal_monitored"`) {
		t.Fatalf("second run: no traversal finding:\n%s", log)
	}
	patched2 := filepath.Join(dir, "patched2.yaml")
	out, src := tuneTo(patched, patched2)
	if !strings.Contains(out, "exclude body.attachments.*.caption from traversal") {
		t.Errorf("second round lacks the traversal exclusion:\n%s", out)
	}
	if n := strings.Count(src, "field: body.attachments.*.caption"); n != 2 {
		t.Errorf("caption exclusions: %d, want 2 (cmdi, traversal), none repeated:\n%s", n, src)
	}
	patched = patched2

	// The patched config in block mode: the same requests pass, attacks in
	// the fields the patch does not cover are refused.
	blocking := strings.ReplaceAll(src, "mode: monitor", "mode: block")
	if err := os.WriteFile(patched, []byte(blocking), 0o600); err != nil {
		t.Fatal(err)
	}
	p2 := startBulwark(t, "serve", "-c", patched)
	for _, b := range posts {
		if s := post(p2, b); s != http.StatusOK {
			t.Errorf("patched, block mode: POST /posts %s: %d", b, s)
		}
	}
	for _, q := range searches {
		if s := search(p2, q); s != http.StatusOK {
			t.Errorf("patched, block mode: GET /search: %d", s)
		}
	}
	if s := post(p2, mustJSON(t, map[string]any{"title": "x'; DROP TABLE posts; --", "raw": "hi"})); s != http.StatusForbidden {
		t.Errorf("SQL injection in body.title: %d, want 403", s)
	}
	if s := post(p2, mustJSON(t, map[string]any{"title": "x", "raw": "; cat /etc/passwd"})); s != http.StatusForbidden {
		t.Errorf("command injection in body.raw (excluded for sqli only): %d, want 403", s)
	}
	if s := search(p2, "' OR 1=1 -- "); s != http.StatusForbidden {
		t.Errorf("SQL injection in query.q (excluded for cmdi only): %d, want 403", s)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The contract's word on a field's text reaches the detectors: a field the
// OpenAPI document marks x-bulwark-text: prose needs a complete injection,
// the same value in an unmarked field is judged by its shape.
func TestContractProseField(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	doc := `openapi: 3.0.3
info: {title: forum, version: "1"}
paths:
  /posts:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string}
                raw: {type: string, x-bulwark-text: prose}
      responses: {"200": {description: ok}}
`
	if err := os.WriteFile(filepath.Join(dir, "forum.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
apis:
  - name: forum
    upstream: `+up.URL+`
    auth: [none]
    openapi: forum.yaml
    response: {contract: false}   # the document declares no response body; this test is about requests
    routes:
      - match: POST /posts
`))
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"raw":"see ../README.md first"}`, http.StatusOK},
		{`{"title":"see ../README.md first"}`, http.StatusForbidden},
		{`{"raw":"../../../../etc/passwd"}`, http.StatusForbidden},
	} {
		req, _ := http.NewRequest("POST", p.url("/posts"), strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		if resp, body := do(t, req); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.body, resp.StatusCode, body, tc.status)
		}
	}
}

// NoSQL operator syntax by API design (Feathers, Parse, RESTHeart, the
// Atlas Data API, Strapi: the hard rows of the detection corpus), recorded
// in monitor mode, becomes operator allowances on exactly the fields that
// carried them — never allow_operators for a whole route — in rounds (the
// audit log holds a request's first finding). In block mode on the final
// patch those requests pass, and an operator injection is still refused on
// another field, with another operator on the same field, and as $where.
func TestTuneOperatorsFromMonitorRun(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	auditFile := filepath.Join(dir, "audit.jsonl")
	cfgPath := writeConfig(t, dir, `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
audit:
  stdout: false
  file: `+auditFile+`
apis:
  - name: mongo
    upstream: `+up.URL+`
    auth: [none]
    inspect: {mode: monitor}
    routes:
      - match: GET /messages
      - match: GET /users
      - match: GET /parse/classes/{className}
      - match: GET /restheart/{db}/{collection}
      - match: POST /app/{appId}/endpoint/data/v1/action/{action}
      - match: GET /api/{collection}
`)
	type req struct{ method, target, body string }
	legit := []req{
		{"GET", "/messages?$limit=25&$skip=50&$sort[createdAt]=-1&$select[]=text&$select[]=userId&read[$ne]=true", ""},
		{"GET", "/users?age[$gt]=25&role[$in][]=admin&role[$in][]=editor", ""},
		{"GET", "/parse/classes/GameScore?where=" + url.QueryEscape(`{"score": {"$gte": 1000}, "playerName": {"$in": ["Sean", "Jo"]}}`), ""},
		{"GET", "/restheart/db/coll?filter=" + url.QueryEscape(`{"name":{"$regex":"^M"}}`) + "&pagesize=10", ""},
		{"POST", "/app/data-abc/endpoint/data/v1/action/find", `{"dataSource": "Cluster0", "database": "shop", "collection": "orders", "filter": {"status": "paid", "total": {"$gte": 100}}, "sort": {"createdAt": -1}, "limit": 20}`},
		{"GET", "/api/articles?filters[title][$eq]=hello&filters[$or][0][date][$eq]=2020-01-01&sort[0]=title:asc&pagination[page]=1", ""},
	}
	send := func(p *proc, r req) int {
		t.Helper()
		hr, _ := http.NewRequest(r.method, p.url(r.target), strings.NewReader(r.body))
		if r.body != "" {
			hr.Header.Set("Content-Type", "application/json")
		}
		resp, _ := do(t, hr)
		return resp.StatusCode
	}
	seen := 0
	// record replays the traffic in monitor mode and returns the number of
	// findings it added to the audit log.
	record := func(config string) int {
		t.Helper()
		p := startBulwark(t, "serve", "-c", config)
		for _, r := range legit {
			if s := send(p, r); s != http.StatusOK {
				t.Fatalf("monitor mode: %s %s: %d", r.method, r.target, s)
			}
		}
		if err := p.stop(sigterm); err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(auditFile)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(log), "_monitored")
		defer func() { seen = n }()
		return n - seen
	}
	config, summaries := cfgPath, ""
	for round := 1; ; round++ {
		if n := record(config); n == 0 {
			break
		} else if round > 4 {
			t.Fatalf("round %d still has %d findings", round, n)
		}
		patched := filepath.Join(dir, "patched"+strconv.Itoa(round)+".yaml")
		out, err := execCommand(binPath, "tune", "-c", config, "-audit", auditFile, "-o", patched).CombinedOutput()
		if err != nil {
			t.Fatalf("bulwark tune: %v\n%s", err, out)
		}
		if out, err := execCommand(binPath, "check", "-c", patched).CombinedOutput(); err != nil {
			src, _ := os.ReadFile(patched)
			t.Fatalf("bulwark check rejects the patch: %v\n%s\n%s", err, out, src)
		}
		summaries += string(out)
		config = patched
	}
	src, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tune:\n%s\npatch:\n%s", summaries, src)
	for _, want := range []string{
		"allow $ne on query.read.$ne only (nosqli stays on) — 1 finding(s) (nosql.operator), e.g. query_name:read[$ne]",
		"allow $gte, $in on query.where only",
		"allow $regex on query.filter only",
		"allow $gte on body.filter.total.$gte only",
		"allow $eq, $or on query.filters.$or.*.date.$eq only",
	} {
		if !strings.Contains(summaries, want) {
			t.Errorf("tune summaries lack %q:\n%s", want, summaries)
		}
	}
	if strings.Contains(summaries, "WARNING") || strings.Contains(string(src), "allow_operators") || strings.Contains(string(src), "detectors:") {
		t.Errorf("a proposal broader than a field's operators:\n%s\n%s", summaries, src)
	}
	for _, v := range []string{"Sean", "^M", "hello", "Cluster0", "2020-01-01", "true"} {
		if strings.Contains(string(src), v) {
			t.Errorf("the patch quotes a request value (%q):\n%s", v, src)
		}
	}
	for _, want := range []string{"- field: query.where\n              operators: [$gte, $in]", "- field: query.age.$gt\n              operators: [$gt]"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("patch lacks %q:\n%s", want, src)
		}
	}

	// Block mode on the final patch.
	blocking := filepath.Join(dir, "blocking.yaml")
	if err := os.WriteFile(blocking, []byte(strings.Replace(string(src), "inspect: {mode: monitor}", "inspect: {mode: block}", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := execCommand(binPath, "check", "-c", blocking).CombinedOutput(); err != nil || !strings.Contains(string(src), "inspect: {mode: monitor}") {
		t.Fatalf("block-mode config: %v\n%s\n%s", err, out, src)
	}
	p := startBulwark(t, "serve", "-c", blocking)
	for _, r := range legit {
		if s := send(p, r); s != http.StatusOK {
			t.Errorf("patched, block mode: %s %s: %d, want 200", r.method, r.target, s)
		}
	}
	for _, r := range []req{
		{"GET", "/messages?password[$ne]=x", ""},     // the same operator on another field
		{"GET", "/messages?read[$gt]=x", ""},         // another operator on the same field
		{"GET", "/messages?read[$ne][$where]=1", ""}, // an operator below the allowed one
		{"GET", "/users?password[$gt]=", ""},         // an allowed operator of another field
		{"GET", "/parse/classes/GameScore?username=" + url.QueryEscape(`{"$gte":""}`), ""},
		{"GET", "/parse/classes/GameScore?where=" + url.QueryEscape(`{"password":{"$ne":null}}`), ""},
		{"GET", "/parse/classes/GameScore?where=" + url.QueryEscape(`{"$where":"sleep(5000) || true"}`), ""},
		{"GET", "/restheart/db/coll?filter=" + url.QueryEscape(`{"name":{"$regex":"^M"},"$where":"1"}`), ""},
		{"POST", "/app/data-abc/endpoint/data/v1/action/find", `{"filter": {"password": {"$gte": ""}}}`},
		{"POST", "/app/data-abc/endpoint/data/v1/action/find", `{"filter": {"total": {"$gte": 100}}, "collection": "x'; DROP TABLE orders; --"}`},
	} {
		if s := send(p, r); s != http.StatusForbidden {
			t.Errorf("patched, block mode: %s %s %s: %d, want 403", r.method, r.target, r.body, s)
		}
	}
}
