package inspect

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/inspect/corpustest"
)

// authoredDir is the project's own corpus rows (the corpora layout), kept in
// the repository so that the test suite measures them without the shared
// corpora.
const authoredDir = "../../bench/detection/testdata/corpora"

// authoredFloor is the detection of the authored attack rows when they were
// added (before any detector change): no change may detect fewer.
var authoredFloor = map[string]int{"sqli": 39, "cmdi": 30, "path-traversal": 20, "nosqli": 12}

// authoredRow is one value of the authored corpus, sent as a query value and
// as a JSON string.
type authoredRow struct {
	file, category, value string
}

func authoredRows(t *testing.T) (benign []authoredRow, attacks map[string][]authoredRow) {
	t.Helper()
	for _, o := range corpustest.Objects(t, filepath.Join(authoredDir, "benign", "authored", "prose-hard.jsonl")) {
		v, _ := o["value"].(string)
		c, _ := o["category"].(string)
		benign = append(benign, authoredRow{"prose-hard", c, v})
	}
	attacks = map[string][]authoredRow{}
	dirs, err := os.ReadDir(filepath.Join(authoredDir, "attacks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		class := d.Name()
		for _, v := range corpustest.Items(t, filepath.Join(authoredDir, "attacks", class, "authored-prose.txt")) {
			attacks[class] = append(attacks[class], authoredRow{class, class, v})
		}
	}
	if len(benign) < 200 || len(attacks) < 4 {
		t.Fatalf("authored corpus incomplete: %d benign rows, %d attack classes", len(benign), len(attacks))
	}
	return benign, attacks
}

// authoredRequests carries a value the two ways the benchmark does: as the
// query value q and as the "raw" member of a JSON body.
func authoredRequests(v string) [2]Request {
	body, _ := json.Marshal(map[string]any{"topic_id": 42, "raw": v})
	return [2]Request{{RawQuery: "q=" + url.QueryEscape(v)}, {ContentType: "application/json", Body: body}}
}

// TestAuthoredCorpus measures the default detectors on the authored rows:
// false refusals of the hard benign prose (at most 10%) and detection of
// the attacks hidden in prose (no fewer than before any detector change),
// per channel.
func TestAuthoredCorpus(t *testing.T) {
	in, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	benign, attacks := authoredRows(t)
	var b strings.Builder
	refused := [2]int{}
	for _, r := range benign {
		reqs := authoredRequests(r.value)
		for ch := range reqs {
			f, found, err := in.Inspect(&reqs[ch])
			if found || err != nil {
				refused[ch]++
				if ch == 0 {
					fmt.Fprintf(&b, "  refused %-20s %s:%s %.100q\n", r.category, f.Detector, f.Rule, r.value)
				}
			}
		}
	}
	fmt.Fprintf(&b, "hard benign prose: %d rows, refused query %d (%.1f%%), json %d (%.1f%%)\n", len(benign),
		refused[0], 100*float64(refused[0])/float64(len(benign)), refused[1], 100*float64(refused[1])/float64(len(benign)))
	for ch, n := range refused {
		if 10*n > len(benign) {
			t.Errorf("channel %d: %d of %d hard prose rows refused, the bound is 10%%", ch, n, len(benign))
		}
	}
	for _, class := range []string{"sqli", "cmdi", "path-traversal", "nosqli"} {
		rows := attacks[class]
		caught := [2]int{}
		for _, r := range rows {
			reqs := authoredRequests(r.value)
			for ch := range reqs {
				_, found, err := in.Inspect(&reqs[ch])
				if found || err != nil {
					caught[ch]++
				} else if ch == 0 {
					fmt.Fprintf(&b, "  missed %-14s %.100q\n", class, r.value)
				}
			}
		}
		fmt.Fprintf(&b, "attacks %-14s %3d rows, detected query %.1f%%, json %.1f%%\n", class, len(rows),
			100*float64(caught[0])/float64(len(rows)), 100*float64(caught[1])/float64(len(rows)))
		for ch, n := range caught {
			// the figures of the commit that added the rows, before any
			// detector change: 39/40, 30/32, 20/20, 12/12
			if floor := authoredFloor[class]; n < floor {
				t.Errorf("%s channel %d: %d of %d detected, fewer than the %d detected before any detector change", class, ch, n, len(rows), floor)
			}
		}
	}
	t.Log("\n" + b.String())
}
