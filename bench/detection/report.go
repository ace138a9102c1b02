package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// reportInput is everything the markdown report is made from.
type reportInput struct {
	Started  time.Time
	Revision string // git revision of the tree, "" when unknown
	Corpora  string
	Config   string
	Sample   int
	Workers  int
	Timeout  time.Duration
	Corpus   *Corpus
	Targets  []target
	Runs     map[string]*Run
	Stats    map[string]*stats
}

// writeReport renders the report.
func writeReport(w io.Writer, in *reportInput) {
	fmt.Fprintf(w, "# Detection benchmark — %s\n\n", in.Started.UTC().Format("2006-01-02 15:04 UTC"))
	rev := in.Revision
	if rev == "" {
		rev = "unknown"
	}
	fmt.Fprintf(w, "Tree %s; gateway config `%s`; corpora `%s`", rev, in.Config, in.Corpora)
	if in.Sample > 0 {
		fmt.Fprintf(w, "; **sampled: at most %d items per file**", in.Sample)
	}
	fmt.Fprintf(w, ". %d workers, keep-alive, %s per-request timeout.\n\n", in.Workers, in.Timeout)
	writeRules(w)
	writeSummary(w, in)
	writeFiles(w, in, LabelAttack)
	writeFiles(w, in, LabelBenign)
	writeHard(w, in)
	writeCRS(w, in)
	writeRefusals(w, in)
	writeSetAside(w, in.Corpus)
	writeTiming(w, in)
}

func writeRules(w io.Writer) {
	_, _ = io.WriteString(w, `## Replay rules

- **Detected** = the gateway refused the request: any 4xx/5xx that did not come from the echo upstream (the upstream answers 200 with a marker header). Columns show the share, then the count and, when they differ, how many of those were 403 (inspection or WAF); the rest are other refusals (400 hygiene, 404, 415 …, by problem `+"`code`"+` below). A benign request refused is a **false positive**. Transport errors are counted apart and make the run exit non-zero.
- **Value files** (`+"`.txt`"+` and their `+"`.multiline.jsonl`"+`): each payload twice — `+"`query`"+`: `+"`GET /search?q=<payload>`"+`; `+"`json`"+`: `+"`POST /search {\"q\": <payload>}`"+`. Raw sources are form-encoded for the query. URL-encoded sources (libinjection-data, libinjection-false-positives, modsec-advlearn-*) go **verbatim** into the query string (only space, control characters, non-ASCII bytes and `+"`#`"+` percent-encoded) and are decoded once, leniently (`+"`%XX`"+` and `+"`+`"+`; invalid escapes kept), for the JSON body.
- **Query-string files**: modsec-learn querystrings / malicious-test as `+"`GET /search?<line>`"+` (`+"`qs`"+`) and, as `+"`json`"+`, the leniently decoded pairs as one JSON object (a repeated key becomes an array). NoSQLi query-string files: `+"`qs`"+` only (their JSON forms are the JSON-body file).
- **Bodies, cookies, requests**: synthetic-json-bodies and patt-readme-json raw as `+"`POST /search`"+` application/json (`+"`body`"+`); synthetic-cookies as the Cookie header (`+"`cookie`"+`); the CRS regression stages, octokit and authored API requests as whole requests (method, path+query, headers, content type, body; Host, Content-Length and hop-by-hop headers replaced; always HTTP/1.1; CRS data without a Content-Type sent as a form); Stripe fixtures' `+"`body`"+` as `+"`POST /v1/<resource>`"+` JSON. JSON bodies cannot carry invalid UTF-8: such bytes become U+FFFD there.
- **blns and risky-strings**: `+"`value`"+` through both value channels. Not counted: blns rows of kind attack/ambiguous, `+"`all-sqli.ambiguous.txt`"+` and SQLi payloads equal to one of its lines (counts under *Set aside*). `+"`hard`"+` rows are reported only in their own table.
- Every request goes to Bulwark with its default detectors (`+"`bulwark.bench`"+`) and to Coraza + OWASP CRS at paranoia level 1 (`+"`crs.bench`"+`) in the same gateway process; hard rows also to `+"`hard.bench`"+`, whose routes are configured for each row's API. Targets run one after the other so each has its own rate.

`)
}

// writeSummary prints one row per group and channel.
func writeSummary(w io.Writer, in *reportInput) {
	fmt.Fprintln(w, "## Summary")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| corpus group | channel | requests | Bulwark | CRS PL1 |")
	fmt.Fprintln(w, "|---|---|---:|---|---|")
	groups := []string{"attack sqli", "attack nosqli", "attack cmdi", "attack traversal", "benign"}
	for _, it := range in.Corpus.Items {
		if g := groupKey(it); it.Label != LabelInfo && it.Label != LabelHard && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		for _, ch := range []string{"", "query", "json", "qs", "body", "cookie", "request"} {
			b, c := get(statsOf(in, "bulwark").byGroup, key{g, ch}), get(statsOf(in, "crs").byGroup, key{g, ch})
			if b.N == 0 && c.N == 0 {
				continue
			}
			name, chn := g, ch
			if ch == "" {
				name, chn = "**"+g+"**", "all"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name, chn, group(max(b.N, c.N)), b.cell(), c.cell())
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Attack rows: detection rate (higher is better). Benign rows: false-positive rate (lower is better).")
	fmt.Fprintln(w)
}

// statsOf returns a target's stats, or empty ones when it did not run.
func statsOf(in *reportInput, name string) *stats {
	if s := in.Stats[name]; s != nil {
		return s
	}
	return newStats()
}

// writeFiles prints the per-file table of attack or benign files.
func writeFiles(w io.Writer, in *reportInput, l Label) {
	if l == LabelAttack {
		fmt.Fprintln(w, "## Attack files (detection rate)")
	} else {
		fmt.Fprintln(w, "## Benign files (false-positive rate)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| file | items | channel | Bulwark | CRS PL1 |")
	fmt.Fprintln(w, "|---|---:|---|---|---|")
	for _, s := range in.Corpus.Specs {
		if s.Label != l {
			continue
		}
		name := "`" + s.Path + "`"
		if s.Adv {
			name += " (WAF-A-MoLE adv)"
		}
		if s.Guessed {
			name += " (not in the file table; kind guessed)"
		}
		n := countItems(in.Corpus.Items, s.Path)
		for _, ch := range channelsOf(in.Corpus.Items, s.Path) {
			b, c := get(statsOf(in, "bulwark").byFile, key{s.Path, ch}), get(statsOf(in, "crs").byFile, key{s.Path, ch})
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name, group(n), ch, b.cell(), c.cell())
		}
	}
	fmt.Fprintln(w)
}

// writeHard prints one row per hard item and channel.
func writeHard(w io.Writer, in *reportInput) {
	fmt.Fprintln(w, "## Hard rows (legitimate on a route configured for their API)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Outcome per request: `pass` or the refusal (status and problem code). The configured routes are in the `hard` API of the gateway config.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| row | API | channel | Bulwark default route | Bulwark configured route | CRS PL1 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	var fp [3]int
	for i, it := range in.Corpus.Items {
		if it.Label != LabelHard {
			continue
		}
		for ch, r := range it.Reqs {
			cells := [3]string{}
			for k, name := range []string{"bulwark", "hard", "crs"} {
				cells[k] = "–"
				if run := in.Runs[name]; run != nil && run.Out[i] != nil {
					o := run.Out[i][ch]
					cells[k] = outcomeCell(o)
					if o.Refused() {
						fp[k]++
					}
				}
			}
			fmt.Fprintf(w, "| %s:%d %s | %s | %s | %s | %s | %s |\n", shortFile(it.File), it.Line, md(shorten(it.Value, 50)),
				md(shorten(it.Note, 70)), r.Channel, cells[0], cells[1], cells[2])
		}
	}
	fmt.Fprintf(w, "\nRefused (false positives): default route %d, configured route %d, CRS PL1 %d.\n\n", fp[0], fp[1], fp[2])
}

func outcomeCell(o Outcome) string {
	switch {
	case o.Err != "":
		return "**error**"
	case o.Refused():
		return "**" + refusalKey(o) + "**"
	}
	return "pass"
}

// writeCRS prints the CRS regression requests by label and rule family.
func writeCRS(w io.Writer, in *reportInput) {
	b, c := statsOf(in, "bulwark").byCRS, statsOf(in, "crs").byCRS
	if len(b) == 0 && len(c) == 0 {
		return
	}
	fmt.Fprintln(w, "## CRS regression requests (information, not scored)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`expect`: the CRS rule under test must fire; `no_expect`: it must not (some of those still carry attacks aimed at other rules). Refused share:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| label | rule family | requests | Bulwark | CRS PL1 |")
	fmt.Fprintln(w, "|---|---|---:|---|---|")
	var keys []key
	for k := range c {
		keys = append(keys, k)
	}
	for k := range b {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y key) int {
		return strings.Compare(x.File+"\x00"+x.Channel, y.File+"\x00"+y.Channel)
	})
	for _, k := range keys {
		fam := k.Channel
		if fam == "" {
			fam = "**all**"
		}
		bt, ct := get(b, k), get(c, k)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", k.File, fam, group(max(bt.N, ct.N)), bt.cell(), ct.cell())
	}
	fmt.Fprintln(w)
}

// writeRefusals prints every target's refusals by status and problem code.
func writeRefusals(w io.Writer, in *reportInput) {
	fmt.Fprintln(w, "## Refusals by status and problem code (all requests)")
	fmt.Fprintln(w)
	for _, t := range in.Targets {
		s := in.Stats[t.Name]
		if s == nil {
			continue
		}
		var parts []string
		for _, k := range sortedCodes(s.codes) {
			parts = append(parts, fmt.Sprintf("`%s` %s", k, group(s.codes[k])))
		}
		if len(parts) == 0 {
			parts = []string{"none"}
		}
		fmt.Fprintf(w, "- %s (`%s`): %s\n", t.Label, t.Host, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
}

// writeSetAside prints what was not sent or not counted, and why.
func writeSetAside(w io.Writer, c *Corpus) {
	fmt.Fprintln(w, "## Set aside and not counted")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Rule (every attack file of single payloads, on the payload as the application receives it): a payload is set aside when it has **at most 2 non-space characters** (a bare separator or quote) or is **one word of ASCII letters only** (a command, keyword or file name with no syntax around it: `whoami`, `select`, `passwd`): it carries no injection syntax a value-level detector could see without refusing ordinary input. Also set aside: one word of letters in quotes (`'true'`), and notes of the source lists rather than payloads: comment lines (`# …`), headings (`Time-Based:`) and cheat-sheet rows (a token, a TAB, words describing it). Payloads are judged as the application receives them (list notation such as `%0a` decoded once). Template placeholders (`{FILE}`, `{file}`) are filled before anything else, as the fuzzer would, with its usual target `etc/passwd` — relative, so it is no finding by itself: what is detected is the traversal around it.")
	fmt.Fprintln(w)
	for _, s := range c.Specs {
		if list := c.SetAside[s.Path]; len(list) > 0 {
			fmt.Fprintf(w, "- `%s`: %d set aside: %s\n", s.Path, len(list), strings.Join(list, " · "))
		}
	}
	var un []string
	for f, n := range c.Uncounted {
		un = append(un, fmt.Sprintf("`%s` %d", f, n))
	}
	slices.Sort(un)
	fmt.Fprintf(w, "\nNot counted (neither attack nor benign; never sent): %s.\n", strings.Join(un, ", "))
	if c.Dropped > 0 {
		fmt.Fprintf(w, "Recorded header fields not sent (CR or LF in the value): %d.\n", c.Dropped)
	}
	if len(c.Missing) > 0 {
		fmt.Fprintf(w, "**Known corpus files absent from this corpora root**: %s.\n", strings.Join(c.Missing, ", "))
	}
	if len(c.Ignored) > 0 {
		fmt.Fprintf(w, "Files under the corpora root not replayed (unknown format): %s.\n", strings.Join(c.Ignored, ", "))
	}
	fmt.Fprintln(w)
}

// writeTiming prints elapsed time and rate per target.
func writeTiming(w io.Writer, in *reportInput) {
	fmt.Fprintln(w, "## Time")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | requests | elapsed | req/s | transport errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, t := range in.Targets {
		r := in.Runs[t.Name]
		if r == nil {
			continue
		}
		rate := float64(r.Requests) / max(r.Elapsed.Seconds(), 1e-9)
		fmt.Fprintf(w, "| %s (`%s`) | %s | %.1f s | %.0f | %d |\n", t.Label, t.Host, group(r.Requests), r.Elapsed.Seconds(), rate, r.Errors)
	}
	fmt.Fprintln(w)
}

func shortFile(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// md makes text safe inside a markdown table cell.
func md(s string) string {
	r := strings.NewReplacer("|", `\|`, "`", "\\`", "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// codeSpan renders s literally as a markdown code span, with a fence longer
// than any run of backticks inside it.
func codeSpan(s string) string {
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// writeMisses lists, per file, the attacks Bulwark let through and the
// benign requests it refused (for finding classes of misses; never copied
// into the repository: bench/results/ is not committed).
func writeMisses(w io.Writer, items []Item, run *Run) {
	fmt.Fprintln(w, "# Bulwark misses (attack passed) and false positives (benign refused), by file; line:channel value")
	last := ""
	for i, it := range items {
		if run.Out[i] == nil || (it.Label != LabelAttack && it.Label != LabelBenign) {
			continue
		}
		for ch, o := range run.Out[i] {
			miss := it.Label == LabelAttack && o.Err == "" && !o.Refused()
			fp := it.Label == LabelBenign && o.Refused()
			if !miss && !fp {
				continue
			}
			if it.File != last {
				fmt.Fprintf(w, "\n## %s (%s)\n", it.File, it.Label)
				last = it.File
			}
			what := "MISS"
			if fp {
				what = "FP " + refusalKey(o)
			}
			fmt.Fprintf(w, "%d:%s %s\t%s\n", it.Line, it.Reqs[ch].Channel, what, shorten(it.Value, 200))
		}
	}
}
