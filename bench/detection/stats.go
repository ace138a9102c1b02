package main

import (
	"fmt"
	"slices"
	"strconv"
)

// tally counts the outcomes of a set of requests.
type tally struct {
	N         int // requests answered or failed
	Refused   int // refused by the gateway (any 4xx/5xx not from the upstream)
	Forbidden int // of which 403 (inspection or WAF)
	Errors    int // transport errors (not in Refused)
}

func (t *tally) add(o Outcome) {
	t.N++
	switch {
	case o.Err != "":
		t.Errors++
	case o.Refused():
		t.Refused++
		if o.Status == 403 {
			t.Forbidden++
		}
	}
}

// pct is Refused as a percentage of the answered requests.
func (t tally) pct() float64 {
	if n := t.N - t.Errors; n > 0 {
		return 100 * float64(t.Refused) / float64(n)
	}
	return 0
}

// cell renders "98.2% (1,234; 403: 1,200)" for a report table.
func (t tally) cell() string {
	if t.N == 0 {
		return "–"
	}
	s := fmt.Sprintf("%.1f%% (%s", t.pct(), group(t.Refused))
	if t.Refused != t.Forbidden {
		s += fmt.Sprintf("; 403: %s", group(t.Forbidden))
	}
	if t.Errors > 0 {
		s += fmt.Sprintf("; **%d errors**", t.Errors)
	}
	return s + ")"
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// key addresses a tally: a file (or group) and a channel ("" = all).
type key struct{ File, Channel string }

// stats holds the tallies of one target.
type stats struct {
	byFile  map[key]*tally // file × channel, and file × ""
	byGroup map[key]*tally // label/group × channel, and × ""
	byCRS   map[key]*tally // CRS regression: label × family
	codes   map[string]int // refusals by "status code"
}

func newStats() *stats {
	return &stats{byFile: map[key]*tally{}, byGroup: map[key]*tally{}, byCRS: map[key]*tally{}, codes: map[string]int{}}
}

func (s *stats) tally(m map[key]*tally, k key) *tally {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	return t
}

// get returns a tally or an empty one.
func get(m map[key]*tally, k key) tally {
	if t := m[k]; t != nil {
		return *t
	}
	return tally{}
}

// aggregate tallies one target's run. Hard items count only in the hard
// table, not in their file's benign figures.
func aggregate(items []Item, run *Run) *stats {
	s := newStats()
	for i, it := range items {
		for ch, o := range run.Out[i] {
			c := it.Reqs[ch].Channel
			if o.Refused() {
				s.codes[refusalKey(o)]++
			}
			switch it.Label {
			case LabelHard:
				continue
			case LabelInfo:
				s.tally(s.byCRS, key{it.Note, it.Group}).add(o)
				s.tally(s.byCRS, key{it.Note, ""}).add(o)
				continue
			}
			g := groupKey(it)
			for _, k := range []key{{it.File, c}, {it.File, ""}} {
				s.tally(s.byFile, k).add(o)
			}
			for _, k := range []key{{g, c}, {g, ""}} {
				s.tally(s.byGroup, k).add(o)
			}
		}
	}
	return s
}

// groupKey is the summary row of an item: "attack sqli", "benign".
func groupKey(it Item) string {
	if it.Label == LabelBenign {
		return "benign"
	}
	return "attack " + it.Group
}

func refusalKey(o Outcome) string {
	code := o.Code
	if code == "" {
		code = "(no problem JSON)"
	}
	return strconv.Itoa(o.Status) + " " + code
}

// sortedCodes returns the refusal keys by count, then name.
func sortedCodes(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	return ks
}

// channelsOf lists the channels a file's items use, in first-seen order.
func channelsOf(items []Item, file string) []string {
	var out []string
	for _, it := range items {
		if it.File != file || it.Label == LabelHard {
			continue
		}
		for _, r := range it.Reqs {
			if !slices.Contains(out, r.Channel) {
				out = append(out, r.Channel)
			}
		}
	}
	return out
}

// countItems counts a file's scored items (hard rows excluded).
func countItems(items []Item, file string) int {
	n := 0
	for _, it := range items {
		if it.File == file && it.Label != LabelHard {
			n++
		}
	}
	return n
}
