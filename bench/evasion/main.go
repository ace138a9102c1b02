// Command evasion is the full run of Bulwark's adaptive evasion test
// (package internal/inspect/evasion): seed payloads of every class are taken
// from the injection corpora (../shared/corpora or $BULWARK_CORPORA) and
// Bulwark's own rows, every seed the default detectors block is mutated by
// its class's semantics-preserving operators (each mutant checked by the
// class's oracle to still be a working attack) up to -tries times per
// channel (query string and JSON body), and the share of blocked seeds that
// got a working mutant through is reported per class and channel.
//
//	bash bench/evasion.sh                  # 300 seeds per class, 200 tries
//	bash bench/evasion.sh -seeds 0         # every valid seed
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/inspect/evasion"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

func main() {
	corpora := flag.String("corpora", "", "corpora root (default $BULWARK_CORPORA, else ../shared/corpora)")
	authored := flag.String("authored", "bench/detection/testdata/corpora", "Bulwark's own corpus rows")
	seeds := flag.Int("seeds", 300, "at most this many valid seeds per class, evenly spaced (0 = all)")
	tries := flag.Int("tries", 200, "working mutants per seed and channel")
	out := flag.String("out", "bench/results/evasion.md", "report file")
	examples := flag.Int("examples", 5, "evading mutants listed per class")
	crs := flag.Int("crs", 0, "attack Coraza + OWASP CRS at this paranoia level (1-4) instead of Bulwark's detectors")
	only := flag.String("classes", "", "comma-separated classes to run (default all)")
	flag.Parse()
	root := *corpora
	if root == "" {
		root = os.Getenv("BULWARK_CORPORA")
	}
	if root == "" {
		root = filepath.Join("..", "shared", "corpora")
	}
	started := time.Now()
	in, err := inspect.New(inspect.Config{})
	if err != nil {
		fail(err)
	}
	var results []evasion.Result
	counts := map[evasion.Class][2]int{}
	targetOf := func(c evasion.Class) evasion.Target { return evasion.InspectorTarget(in, c) }
	what := "Default detectors (`inspect.New(inspect.Config{})`)"
	if *crs > 0 {
		w, err := waf.New(waf.Config{Paranoia: *crs})
		if err != nil {
			fail(err)
		}
		targetOf = func(c evasion.Class) evasion.Target { return wafTarget(w, c) }
		what = fmt.Sprintf("Coraza + OWASP CRS at paranoia level %d (`internal/waf`, anomaly threshold 5)", *crs)
	}
	for _, c := range evasion.Classes {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), string(c)) {
			continue
		}
		all, err := classSeeds(c, root, *authored)
		if err != nil {
			fail(err)
		}
		var valid []string
		for _, s := range all {
			if evasion.Valid(c, s) {
				valid = append(valid, s)
			}
		}
		picked := sample(valid, *seeds)
		counts[c] = [2]int{len(all), len(valid)}
		fmt.Fprintf(os.Stderr, "[evasion] %s: %d seeds read, %d valid, %d fuzzed\n", c, len(all), len(valid), len(picked))
		results = append(results, fuzzAll(targetOf, c, picked, *tries)...)
	}
	report(os.Stdout, what, results, counts, *tries, *seeds, *examples, time.Since(started))
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fail(err)
		}
		f, err := os.Create(*out)
		if err != nil {
			fail(err)
		}
		report(f, what, results, counts, *tries, *seeds, *examples, time.Since(started))
		if err := f.Close(); err != nil {
			fail(err)
		}
	}
}

// fuzzAll runs the seeds on both channels, on all cores.
func fuzzAll(targetOf func(evasion.Class) evasion.Target, c evasion.Class, seeds []string, tries int) []evasion.Result {
	out := make([]evasion.Result, len(seeds)*len(evasion.Channels))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			target := targetOf(c)
			for i := range next {
				s, ch := seeds[i/len(evasion.Channels)], evasion.Channels[i%len(evasion.Channels)]
				out[i] = evasion.Fuzz(c, s, ch, target, evasion.Config{Tries: tries, Seed: 7})
			}
		})
	}
	for i := range out {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// classSeeds reads the payloads of a class: its attack files (URL-encoded
// ones decoded once), the NoSQL JSON bodies, and the authored rows.
func classSeeds(c evasion.Class, root, authored string) ([]string, error) {
	dir := map[evasion.Class]string{evasion.SQLi: "sqli", evasion.CmdI: "cmdi", evasion.Traversal: "path-traversal", evasion.NoSQLi: "nosqli"}[c]
	var files []string
	for _, r := range []string{root, authored} {
		if r == "" {
			continue
		}
		m, _ := filepath.Glob(filepath.Join(r, "attacks", dir, "*"))
		files = append(files, m...)
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, ".ambiguous.txt") || strings.HasSuffix(base, ".md") {
			continue
		}
		if c == evasion.NoSQLi && !strings.Contains(base, "json") {
			continue // the NoSQL seeds are documents
		}
		lines, err := readItems(f)
		if err != nil {
			return nil, err
		}
		encoded := base == "libinjection-data.txt" || strings.HasPrefix(base, "modsec")
		for _, l := range lines {
			if encoded {
				if d, err := url.QueryUnescape(l); err == nil {
					l = d
				}
			}
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out, nil
}

func readItems(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	ml := strings.HasSuffix(path, ".multiline.jsonl")
	for sc.Scan() {
		l := sc.Text()
		if l == "" {
			continue
		}
		if ml {
			var s string
			if json.Unmarshal([]byte(l), &s) != nil {
				continue
			}
			l = s
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

func sample(v []string, n int) []string {
	if n <= 0 || len(v) <= n {
		return v
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, v[i*len(v)/n])
	}
	return out
}

func report(w io.Writer, what string, rs []evasion.Result, counts map[evasion.Class][2]int, tries, seeds, examples int, took time.Duration) {
	fmt.Fprintf(w, "# Adaptive evasion (bench/evasion)\n\n")
	fmt.Fprintf(w, "%s, %d working mutants per blocked seed and channel, at most %d seeds per class (0 = all), %s.\n\n", what, tries, seeds, took.Round(time.Second))
	fmt.Fprintf(w, "| class | seeds read | valid (oracle) | channel | fuzzed | blocked | evaded | evasion rate | mutants sent |\n|---|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, s := range evasion.Summarize(rs) {
		n := counts[s.Class]
		fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %d | %d | **%.1f%%** | %d |\n", s.Class, n[0], n[1], s.Channel, s.Seeds, s.Blocked, s.Evaded, 100*s.Rate(), s.Tries)
	}
	fmt.Fprintf(w, "\n## Evading mutants (first %d per class)\n\n", examples)
	per := map[evasion.Class]int{}
	for _, r := range rs {
		if !r.Evaded || per[r.Class] >= examples {
			continue
		}
		per[r.Class]++
		fmt.Fprintf(w, "- %s/%s after %d: `%q` → `%q` (%s)\n", r.Class, r.Channel, r.Tries, r.Seed, r.Mutant, strings.Join(slices.Compact(r.Ops), ", "))
	}
}

// wafTarget sends values to the CRS as a client would: GET /search?q= or a
// JSON body {"q": value}; NoSQL documents as the body or in bracket syntax.
func wafTarget(w *waf.WAF, c evasion.Class) evasion.Target {
	r := rand.New(rand.NewPCG(1, 2))
	return func(channel, v string) bool {
		var req *http.Request
		var body []byte
		switch {
		case c == evasion.NoSQLi && channel == "json":
			body = []byte(v)
		case c == evasion.NoSQLi:
			qs, ok := evasion.QueryForm(r, v)
			if !ok {
				return true
			}
			req = httptest.NewRequest("GET", "/search?"+qs, nil)
		case channel == "json":
			body, _ = json.Marshal(map[string]string{"q": v})
		default:
			req = httptest.NewRequest("GET", "/search?q="+url.QueryEscape(v), nil)
		}
		if req == nil {
			req = httptest.NewRequest("POST", "/search", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		verdict, err := w.Check(req, body)
		return err != nil || verdict.Blocked
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "evasion:", err)
	os.Exit(2)
}
