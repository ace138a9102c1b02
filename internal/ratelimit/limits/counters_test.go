package limits

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
)

func TestCountersReuseAndRetire(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := &Quota{ID: "a", By: "ip", Limit: 10, Period: "day", Timezone: "UTC", Cost: CostRequest}
	month := &Quota{ID: "b", By: "consumer", Limit: 99, Period: "month", Timezone: "Europe/Berlin", Cost: CostRequest}
	first, err := NewCounters([]*Quota{day, nil, month, day}, nil, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Get("a") == nil || first.Get("b") == nil || first.Get("c") != nil {
		t.Fatal("counters by id")
	}
	changed := *month
	changed.Limit = 100
	next, err := NewCounters([]*Quota{day, &changed}, first, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next.Get("a") != first.Get("a") || next.Get("b") == first.Get("b") {
		t.Fatal("an unchanged quota must keep its counter, a changed one gets a new one")
	}
	first.Retire(next)
	next.Retire(nil)
	var none *Counters
	if none.Get("a") != nil {
		t.Fatal("nil counters")
	}
	none.Retire(nil)
}

func TestCountersFailClosed(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	good := &Quota{ID: "a", By: "ip", Limit: 10, Period: "day", Timezone: "UTC"}
	for _, tc := range []struct {
		name string
		qs   []*Quota
		st   bool
		want string
	}{
		{"no store", []*Quota{good}, false, "need a store"},
		{"unknown zone after a started counter", []*Quota{good, {ID: "b", Limit: 1, Period: "day", Timezone: "Mars/Olympus"}}, true, "quota b"},
		{"a refused limit", []*Quota{{ID: "c", Limit: -1, Period: "day", Timezone: "UTC"}}, true, "quota c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *Counters
			var err error
			if tc.st {
				c, err = NewCounters(tc.qs, nil, st, nil)
			} else {
				c, err = NewCounters(tc.qs, nil, nil, nil)
			}
			if err == nil || c != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v %v, want an error naming %q", c, err, tc.want)
			}
		})
	}
}
