package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The request path keeps pooled state between requests: the upstream's body
// and the cut document (internal/filter, bufpool), the synchronous client's
// outbound header map, exchange, request copy and small request body
// (internal/proxy), and the server's response writer and header map
// (internal/h1serve). These tests drive many clients at once over keep-alive
// connections through the real binary and check that nothing of one request
// reaches another client's answer or another upstream request.

const pooledCard = "4111 1111 1111 1111"

// pooledSeen is what the upstream received for one request.
type pooledSeen struct {
	method string
	body   string
	tags   []string // X-Client-Tag values
	extra  []string // X-Pooled-Extra values
}

// pooledUpstream answers GET /items/{n} with a document unique to n and
// POST /echo with the body it received, recording both by the req query
// parameter.
type pooledUpstream struct {
	mu   sync.Mutex
	seen map[string]pooledSeen
	dups []string
}

func (pu *pooledUpstream) record(id string, s pooledSeen) {
	pu.mu.Lock()
	defer pu.mu.Unlock()
	if _, ok := pu.seen[id]; ok {
		pu.dups = append(pu.dups, id)
	}
	pu.seen[id] = s
}

func (pu *pooledUpstream) get(id string) (pooledSeen, bool) {
	pu.mu.Lock()
	defer pu.mu.Unlock()
	s, ok := pu.seen[id]
	return s, ok
}

// pooledPad is n's own filler, of a length between about 100 and 5000 bytes
// that changes with n, so that buffers of several size classes are lent and
// reused.
func pooledPad(n int) string {
	d := strconv.Itoa(n)
	size := 100 + (n*997)%4900
	return strings.Repeat(d, size/len(d)+1)[:size]
}

// pooledName is n's name: long for some n, so that the cut document's
// buffer changes size class too.
func pooledName(n int) string {
	name := "n-" + strconv.Itoa(n)
	if n%2 == 1 {
		name += "-" + strings.Repeat(strconv.Itoa(n%10), (n*131)%3000)
	}
	return name
}

// pooledDoc is the upstream's answer for n. For n%5 == 0 it holds only
// allowed fields (the filter passes the upstream's own pooled buffer); for
// n%3 == 0 a card number in an allowed field (redacted: a new document).
func pooledDoc(n int) []byte {
	meta := map[string]any{"n": n, "token": "tok-" + strconv.Itoa(n)}
	doc := map[string]any{"id": n, "name": pooledName(n), "email": fmt.Sprintf("u%d@example.com", n), "meta": meta}
	if n%5 == 0 {
		delete(meta, "token")
	} else {
		doc["secret"] = "s-" + strconv.Itoa(n)
		doc["pad"] = pooledPad(n)
	}
	if n%3 == 0 {
		meta["card"] = pooledCard
	}
	b, _ := json.Marshal(doc)
	return b
}

func (pu *pooledUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.URL.Query().Get("req")
	pu.record(id, pooledSeen{method: r.Method, body: string(body),
		tags: r.Header.Values("X-Client-Tag"), extra: r.Header.Values("X-Pooled-Extra")})
	h := w.Header()
	q := r.URL.Query()
	if q.Get("once") != "" {
		h.Set("X-Once", "once-"+id)
	}
	if k, _ := strconv.Atoi(q.Get("many")); k > 0 {
		for i := range k {
			h.Set(fmt.Sprintf("X-Many-%d", i), id)
		}
	}
	h.Set("X-Req", id)
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/items/"):
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/items/"))
		if err != nil {
			http.Error(w, "bad item", http.StatusBadRequest)
			return
		}
		doc := pooledDoc(n)
		h.Set("Content-Type", "application/json")
		h.Set("X-Item", strconv.Itoa(n))
		if n%7 == 0 {
			// No Content-Length: the filter reads it without a size hint.
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(doc[:len(doc)/2])
			w.(http.Flusher).Flush()
			_, _ = w.Write(doc[len(doc)/2:])
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(doc)))
		_, _ = w.Write(doc)
	case r.Method == http.MethodGet && r.URL.Path == "/pieces":
		// The answer's body in pieces of the given sizes, each flushed and
		// given time to arrive alone, under a Content-Length: the gateway
		// copies it in as many writes.
		var sizes []int
		total := 0
		for _, f := range strings.Split(q.Get("sizes"), ",") {
			k, _ := strconv.Atoi(f)
			sizes = append(sizes, k)
			total += k
		}
		doc := pooledSeq(id, total)
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(total))
		w.WriteHeader(http.StatusOK)
		off := 0
		for _, k := range sizes {
			_, _ = w.Write(doc[off : off+k])
			off += k
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	case r.Method == http.MethodPost && r.URL.Path == "/echo":
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	default:
		http.NotFound(w, r)
	}
}

// pooledSeq is a body of n bytes in which no run of 8 bytes repeats: the
// offset of every 8-byte record is written in it, so a piece out of place
// shows.
func pooledSeq(id string, n int) []byte {
	b := make([]byte, 0, n+8)
	for len(b) < n {
		b = fmt.Appendf(b, "%07x.", len(b))
	}
	return b[:n]
}

func pooledConfig(up, engine string) string {
	return `server:
  listen: 127.0.0.1:0
  engine: ` + engine + `
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:pooled.db
audit: {stdout: false, store: false}
apis:
  - name: items
    upstream: ` + up + `
    auth: [none]
    response:
      allow: [id, name, email, meta]
      deny: [meta.token]
      sensitive: {card: redact, email: monitor}
    routes:
      - match: GET /items/{n}
  - name: echo
    upstream: ` + up + `
    auth: [none]
    routes:
      - match: POST /echo
      - match: GET /pieces
`
}

// startPooled starts the upstream and a bulwark in front of it.
func startPooled(t *testing.T, engine string) (*pooledUpstream, *proc) {
	t.Helper()
	pu := &pooledUpstream{seen: map[string]pooledSeen{}}
	up := httptest.NewServer(pu)
	t.Cleanup(up.Close)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), pooledConfig(up.URL, engine)))
	return pu, p
}

// checkItem checks that a filtered answer is exactly n's document cut to the
// allow-list: n's own values, no denied, unlisted or card value, and n's
// own upstream headers only.
func checkItem(n int, id string, resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, body)
	}
	if got := resp.Header.Values("X-Item"); len(got) != 1 || got[0] != strconv.Itoa(n) {
		return fmt.Errorf("X-Item %q, want %d", got, n)
	}
	if got := resp.Header.Values("X-Req"); len(got) != 1 || got[0] != id {
		return fmt.Errorf("X-Req %q, want %q", got, id)
	}
	if v := resp.Header.Values("X-Once"); len(v) > 0 {
		return fmt.Errorf("X-Once %q on an answer that never had it", v)
	}
	for _, leak := range []string{"secret", "s-", "pad", "token", "tok-", pooledCard} {
		if bytes.Contains(body, []byte(leak)) {
			return fmt.Errorf("answer holds %q: %.300s", leak, body)
		}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Errorf("answer is not one JSON object: %v: %.300s", err, body)
	}
	if len(raw) != 4 {
		return fmt.Errorf("answer has %d fields, want id, name, email, meta: %.300s", len(raw), body)
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(raw["meta"], &meta); err != nil {
		return fmt.Errorf("meta: %v: %.300s", err, body)
	}
	wantMeta := 1
	if n%3 == 0 {
		wantMeta = 2 // and the card field, redacted
	}
	if string(meta["n"]) != strconv.Itoa(n) || len(meta) != wantMeta {
		return fmt.Errorf("meta %s, want n %d and %d fields", raw["meta"], n, wantMeta)
	}
	var name, email string
	_ = json.Unmarshal(raw["name"], &name)
	_ = json.Unmarshal(raw["email"], &email)
	if string(raw["id"]) != strconv.Itoa(n) || name != pooledName(n) || email != fmt.Sprintf("u%d@example.com", n) {
		return fmt.Errorf("answer for %d is id=%s name=%.40q email=%q", n, raw["id"], name, email)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
		return fmt.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	return nil
}

// firstDiff describes where got departs from want.
func firstDiff(want, got string) string {
	if want == got {
		return "identical"
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	j := 0 // bytes equal at the end
	for j < len(want)-i && j < len(got)-i && want[len(want)-1-j] == got[len(got)-1-j] {
		j++
	}
	return fmt.Sprintf("%d bytes, differing from offset %d to %d: want %.60q, got %.60q; around it want %q got %q; tail want %q got %q", len(got), i, len(got)-j, want[i:len(want)-j], got[i:len(got)-j],
		want[max(0, i-20):min(len(want), i+20)], got[max(0, i-20):min(len(got), i+20)], want[max(0, len(want)-30):], got[max(0, len(got)-30):])
}

// pooledPostBody returns the JSON body of POST request id, of a length between
// about 50 bytes and 20 KiB that varies with the request.
func pooledPostBody(id string, k int) string {
	size := 50 + (k*7919)%(20<<10)
	filler := strings.Repeat(id+".", size/(len(id)+1)+1)[:size]
	return `{"req":"` + id + `","data":"` + filler + `"}`
}

// pooledEngines are the proxy listener's servers: Bulwark's own (h1serve,
// the default) and net/http's.
var pooledEngines = []string{"bulwark", "net/http"}

func TestPooledBuffersNoCrossTalk(t *testing.T) {
	for _, engine := range pooledEngines {
		t.Run("engine="+engine, func(t *testing.T) { pooledCrossTalk(t, engine) })
	}
}

func pooledCrossTalk(t *testing.T, engine string) {
	pu, p := startPooled(t, engine)
	const workers, perWorker = 16, 200
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var wg sync.WaitGroup
	errs := make(chan error, workers*3)
	deadline := time.Now().Add(6 * time.Second)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A wrong answer is reported (the first three per worker) and the
			// worker goes on: one kind of mistake does not hide the others.
			failures := 0
			fail := func(format string, args ...any) {
				if failures++; failures <= 3 {
					errs <- fmt.Errorf("worker %d: "+format, append([]any{g}, args...)...)
				}
			}
			for i := range perWorker {
				if time.Now().After(deadline) {
					return // enough done; keep the runtime bounded under -race
				}
				id := fmt.Sprintf("g%d-i%d", g, i)
				k := g*perWorker + i
				odd := i%2 == 1
				tag := "tag-" + id
				var req *http.Request
				var n int
				var sent string
				if k%3 == 2 {
					sent = pooledPostBody(id, k)
					req, _ = http.NewRequest(http.MethodPost, p.url("/echo?req="+id), strings.NewReader(sent))
					req.Header.Set("Content-Type", "application/json")
				} else {
					n = 1 + (k*7)%211
					req, _ = http.NewRequest(http.MethodGet, p.url(fmt.Sprintf("/items/%d?req=%s", n, id)), nil)
				}
				if odd {
					req.Header.Set("X-Client-Tag", tag)
					// Several other fields on odd requests only: a map that grew
					// for them must come back empty for the next one.
					for j := range 1 + i%6 {
						req.Header.Add("X-Pooled-Extra", fmt.Sprintf("%s-%d", id, j))
					}
				}
				resp, err := client.Do(req)
				if err != nil {
					fail("%s: %v", id, err)
					return // the connection is gone
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					fail("%s: read: %v", id, err)
					continue
				}
				if sent != "" {
					if resp.StatusCode != 200 || string(body) != sent {
						up, _ := pu.get(id)
						fail("%s: POST echo %d, %d bytes, want its own %d bytes: %s; upstream received: %s", id, resp.StatusCode, len(body), len(sent),
							firstDiff(sent, string(body)), firstDiff(sent, up.body))
						continue
					}
					if got := resp.Header.Values("X-Req"); len(got) != 1 || got[0] != id {
						fail("%s: POST answer X-Req %q", id, got)
						continue
					}
				} else if err := checkItem(n, id, resp, body); err != nil {
					fail("%s (item %d): %v", id, n, err)
					continue
				}
				seen, ok := pu.get(id)
				if !ok {
					fail("%s: upstream never saw it", id)
					continue
				}
				if seen.body != sent {
					fail("%s: upstream got body of %d bytes, want its own %d: %.200q", id, len(seen.body), len(sent), seen.body)
					continue
				}
				if odd {
					if len(seen.tags) != 1 || seen.tags[0] != tag {
						fail("%s: upstream got X-Client-Tag %q, want %q", id, seen.tags, tag)
						continue
					}
					if len(seen.extra) != 1+i%6 || seen.extra[0] != id+"-0" {
						fail("%s: upstream got X-Pooled-Extra %q", id, seen.extra)
						continue
					}
				} else if len(seen.tags) > 0 || len(seen.extra) > 0 {
					fail("%s: upstream got X-Client-Tag %q X-Pooled-Extra %q the client did not send", id, seen.tags, seen.extra)
					continue
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		failed++
		t.Error(err)
	}
	pu.mu.Lock()
	total, dups := len(pu.seen), pu.dups
	pu.mu.Unlock()
	if len(dups) > 0 {
		t.Errorf("upstream saw requests twice: %v", dups[:min(len(dups), 10)])
	}
	if failed == 0 && total < workers*20 {
		t.Errorf("only %d requests done", total)
	}
	t.Logf("%d requests checked", total)
}

// TestPooledHeadersNotCarriedOver sends requests in turn over one client
// connection (and so one server response writer and header map, and one
// upstream connection): an upstream header of one answer never appears on
// the next, on the filtered route and on the plain one, with a few fields or
// more than the server keeps a map for.
func TestPooledHeadersNotCarriedOver(t *testing.T) {
	for _, engine := range pooledEngines {
		t.Run("engine="+engine, func(t *testing.T) { pooledHeadersNotCarriedOver(t, engine) })
	}
}

func pooledHeadersNotCarriedOver(t *testing.T, engine string) {
	pu, p := startPooled(t, engine)
	tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	send := func(id, method, path string, tagged bool) (*http.Response, []byte) {
		t.Helper()
		var req *http.Request
		if method == http.MethodPost {
			req, _ = http.NewRequest(method, p.url(path), strings.NewReader(pooledPostBody(id, len(id))))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req, _ = http.NewRequest(method, p.url(path), nil)
		}
		if tagged {
			req.Header.Set("X-Client-Tag", "tag-"+id)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", id, resp.StatusCode, body)
		}
		return resp, body
	}
	for round, extra := range []string{"once=1", "many=12", "many=40", "once=1&many=20"} {
		for _, route := range []string{"items", "echo"} {
			first := fmt.Sprintf("r%d-%s-a", round, route)
			second := fmt.Sprintf("r%d-%s-b", round, route)
			path := func(id string, q string) string {
				if route == "echo" {
					return "/echo?req=" + id + q
				}
				return "/items/" + strconv.Itoa(10+round) + "?req=" + id + q
			}
			method := http.MethodGet
			if route == "echo" {
				method = http.MethodPost
			}
			resp, _ := send(first, method, path(first, "&"+extra), true)
			if strings.Contains(extra, "once") && resp.Header.Get("X-Once") != "once-"+first {
				t.Fatalf("%s: the first answer lacks X-Once: %v", first, resp.Header)
			}
			if strings.Contains(extra, "many") && resp.Header.Get("X-Many-0") != first {
				t.Fatalf("%s: the first answer lacks X-Many-0: %v", first, resp.Header)
			}
			resp, body := send(second, method, path(second, ""), false)
			for k, v := range resp.Header {
				if k == "X-Once" || strings.HasPrefix(k, "X-Many-") || strings.Contains(strings.Join(v, ","), first) {
					t.Fatalf("%s: answer carries %s: %q from the previous answer on the connection", second, k, v)
				}
			}
			if got := resp.Header.Values("X-Req"); len(got) != 1 || got[0] != second {
				t.Fatalf("%s: X-Req %q", second, got)
			}
			if route == "items" {
				if err := checkItem(10+round, second, resp, body); err != nil {
					t.Fatalf("%s: %v", second, err)
				}
			}
			seen, _ := pu.get(second)
			if len(seen.tags) > 0 {
				t.Fatalf("%s: upstream got X-Client-Tag %q the client did not send", second, seen.tags)
			}
			if s, _ := pu.get(first); len(s.tags) != 1 || s.tags[0] != "tag-"+first {
				t.Fatalf("%s: upstream got X-Client-Tag %q", first, s.tags)
			}
		}
	}
}

// TestPooledWriterKeepsOrder has the gateway copy an unfiltered answer of a
// known length in several writes of sizes around the server's 2 KiB
// buffer-before-commit: the client must get the bytes in the order the
// upstream sent them.
func TestPooledWriterKeepsOrder(t *testing.T) {
	for _, engine := range pooledEngines {
		t.Run("engine="+engine, func(t *testing.T) {
			_, p := startPooled(t, engine)
			for i, sizes := range []string{"3000,3000", "1000,2000,3000", "2048,100,100", "100,4000,4000", "5000,10", "2049,2047,1"} {
				id := fmt.Sprintf("w%d", i)
				resp, body := get(t, p.url("/pieces?req="+id+"&sizes="+sizes))
				want := 0
				for _, f := range strings.Split(sizes, ",") {
					k, _ := strconv.Atoi(f)
					want += k
				}
				if resp.StatusCode != 200 || string(body) != string(pooledSeq(id, want)) {
					t.Errorf("pieces %s: %d, %s", sizes, resp.StatusCode, firstDiff(string(pooledSeq(id, want)), string(body)))
				}
			}
		})
	}
}
