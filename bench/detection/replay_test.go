package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// standIn is a fake gateway: bulwark.bench refuses payloads with "1=1"
// (403 problem JSON), crs.bench refuses every POST (400), hard.bench passes
// everything; a pass is answered like the echo upstream. GET /close answers
// and closes the connection.
func standIn(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw := lenientUnescape(r.URL.RawQuery, true) + string(body)
		refuse := func(status int, code string) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"status":0,"code":"`+code+`"}`)
		}
		switch {
		case r.Host == "bulwark.bench" && strings.Contains(raw, "1=1"):
			refuse(403, "injection_detected")
		case r.Host == "crs.bench" && r.Method == "POST":
			refuse(400, "json_invalid")
		default:
			if r.URL.Path == "/close" {
				w.Header().Set("Connection", "close")
			}
			w.Header().Set(upstreamHeader, "1")
			_, _ = io.WriteString(w, "{}")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testItems() []Item {
	q1, j1 := valueRequests("' or 1=1--", false)
	q2, j2 := valueRequests("hello", false)
	return []Item{
		{File: "a.txt", Line: 1, Label: LabelAttack, Group: "sqli", Reqs: []chanReq{{"query", q1}, {"json", j1}}},
		{File: "a.txt", Line: 2, Label: LabelAttack, Group: "sqli", Reqs: []chanReq{{"query", q2}, {"json", j2}}},
		{File: "b.txt", Line: 1, Label: LabelBenign, Group: "benign", Reqs: []chanReq{{"query", q2}, {"json", j2},
			{"request", Request{Method: "GET", Target: "/close"}}}},
		{File: "h.jsonl", Line: 1, Label: LabelHard, Note: "Strapi: ops", Value: "#1", Reqs: []chanReq{{"request", q1}}},
		{File: "c.jsonl", Line: 1, Label: LabelInfo, Group: "sqli", Note: "expect", Reqs: []chanReq{{"request", j1}}},
	}
}

func TestReplayAndReport(t *testing.T) {
	srv := standIn(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	items := testItems()
	opt := replayOptions{Workers: 3, Timeout: 5 * time.Second}
	in := &reportInput{Started: time.Now(), Corpus: &Corpus{Items: items, SetAside: map[string][]string{}, Uncounted: map[string]int{},
		Specs: []fileSpec{{Path: "a.txt", Label: LabelAttack}, {Path: "b.txt", Label: LabelBenign}}},
		Targets: targets, Runs: map[string]*Run{}, Stats: map[string]*stats{}}
	for _, tg := range targets {
		r := replay(addr, items, tg, opt)
		if r.Errors != 0 {
			t.Fatalf("%s: %d transport errors: %+v", tg.Name, r.Errors, r.Out)
		}
		in.Runs[tg.Name], in.Stats[tg.Name] = r, aggregate(items, r)
	}
	if n := in.Runs["hard"].Requests; n != 1 {
		t.Errorf("hard target got %d requests, want only the hard row's 1", n)
	}
	b := in.Stats["bulwark"]
	if got := get(b.byFile, key{"a.txt", ""}); got.N != 4 || got.Refused != 2 || got.Forbidden != 2 {
		t.Errorf("bulwark a.txt = %+v, want 4 sent, 2 refused with 403", got)
	}
	if got := get(b.byFile, key{"b.txt", ""}); got.N != 3 || got.Refused != 0 {
		t.Errorf("bulwark b.txt = %+v, want 3 passed", got)
	}
	c := in.Stats["crs"]
	if got := get(c.byGroup, key{"benign", "json"}); got.Refused != 1 || got.Forbidden != 0 {
		t.Errorf("crs benign json = %+v, want 1 non-403 refusal", got)
	}
	if got := get(c.byCRS, key{"expect", "sqli"}); got.N != 1 || got.Refused != 1 {
		t.Errorf("crs regression tally = %+v", got)
	}
	if c.codes["400 json_invalid"] != 4 { // 2 attack, 1 benign, 1 CRS-regression POST
		t.Errorf("crs codes = %v", c.codes)
	}
	var out bytes.Buffer
	writeReport(&out, in)
	for _, want := range []string{
		"| **attack sqli** | all | 4 | 50.0% (2) | 50.0% (2; 403: 0) |",
		"| `b.txt` | 1 | request | 0.0% (0) | 0.0% (0) |",
		"| h.jsonl:1 #1 | Strapi: ops | request | **403 injection_detected** | pass | pass |",
		"| expect | sqli | 1 | 100.0% (1) | 100.0% (1; 403: 0) |",
		"`403 injection_detected` 4", // 2 attack, the hard row, the CRS-regression row
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	var misses bytes.Buffer
	writeMisses(&misses, items, in.Runs["bulwark"])
	if !strings.Contains(misses.String(), "2:query MISS") || strings.Contains(misses.String(), "1:query MISS") {
		t.Errorf("misses:\n%s", misses.String())
	}
}

// TestReplayTransportError: a server that hangs up without answering is a
// transport error, counted, not a refusal.
func TestReplayTransportError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	items := testItems()[:1]
	r := replay(ln.Addr().String(), items, targets[0], replayOptions{Workers: 1, Timeout: 2 * time.Second})
	if r.Errors != 2 || r.Out[0][0].Err == "" || r.Out[0][0].Refused() {
		t.Errorf("run = %+v, want 2 transport errors", r)
	}
}

func TestClassify(t *testing.T) {
	up := http.Header{upstreamHeader: {"1"}}
	tests := []struct {
		name    string
		status  int
		h       http.Header
		body    string
		refused bool
		code    string
	}{
		{"upstream pass", 200, up, "{}", false, ""},
		{"inspection refusal", 403, http.Header{}, `{"code":"injection_detected","status":403}`, true, "injection_detected"},
		{"hygiene refusal", 400, http.Header{}, `{"code":"path_invalid"}`, true, "path_invalid"},
		{"server-level 400 without JSON", 400, http.Header{}, "400 Bad Request", true, ""},
		{"upstream error is not a refusal", 500, up, "oops", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := classify(tc.status, tc.h, []byte(tc.body))
			if o.Refused() != tc.refused || o.Code != tc.code {
				t.Errorf("classify = %+v (refused %v), want refused %v code %q", o, o.Refused(), tc.refused, tc.code)
			}
		})
	}
}

func TestStartedAddr(t *testing.T) {
	tests := []struct {
		name, line, want string
		ok               bool
	}{
		{"started", `{"level":"INFO","msg":"bulwark started","proxy":"127.0.0.1:4242","admin":""}`, "127.0.0.1:4242", true},
		{"other line", `{"msg":"reload","proxy":"x"}`, "", false},
		{"not JSON", `bulwark started`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := startedAddr([]byte(tc.line))
			if got != tc.want || ok != tc.ok {
				t.Errorf("startedAddr = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTallyCell(t *testing.T) {
	tests := []struct {
		name string
		t    tally
		want string
	}{
		{"empty", tally{}, "–"},
		{"all 403", tally{N: 4, Refused: 2, Forbidden: 2}, "50.0% (2)"},
		{"mixed", tally{N: 2000, Refused: 1500, Forbidden: 1000}, "75.0% (1,500; 403: 1,000)"},
		{"errors excluded from the share", tally{N: 3, Refused: 1, Forbidden: 1, Errors: 1}, "50.0% (1; **1 errors**)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.cell(); got != tc.want {
				t.Errorf("cell = %q, want %q", got, tc.want)
			}
		})
	}
}
