package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// Four "nodes" (each a Store with its own pool) upsert the same counters
// and rollups at once, each batch in its own random order: every write
// succeeds and the counts add up. Unsorted, two batches lock shared rows in
// opposite orders and PostgreSQL aborts one with a deadlock (40P01).
func TestConcurrentUpsertsDoNotDeadlock(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	storetest.Open(t, dsn) // migrate once
	minute := time.Now().UTC().Truncate(time.Minute)
	const nodes, rounds, keys = 4, 25, 40
	var wg sync.WaitGroup
	errs := make(chan error, nodes*rounds)
	for n := range nodes {
		s := storetest.Open(t, dsn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			for range rounds {
				cs := make([]audit.Counter, keys)
				tb := &audit.TieredBatch{}
				for i := range keys {
					cs[i] = audit.Counter{Span: time.Minute, Bucket: minute, Dim: audit.DimTotal, Key: fmt.Sprint("k", i), Decision: "allow", Count: 1}
					tb.Rollups = append(tb.Rollups, audit.Rollup{RollupKey: audit.RollupKey{Minute: minute, API: "a", Route: fmt.Sprint("r", i),
						StatusClass: 2, Decision: "allow"}, Count: 1})
				}
				rng.Shuffle(keys, func(i, j int) {
					cs[i], cs[j] = cs[j], cs[i]
					tb.Rollups[i], tb.Rollups[j] = tb.Rollups[j], tb.Rollups[i]
				})
				if err := s.AppendCounters(context.Background(), cs); err != nil {
					errs <- err
				}
				if err := s.AppendTiered(context.Background(), tb); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := storetest.Open(t, dsn)
	rows, err := s.CounterTotals(context.Background(), store.CounterFilter{Span: time.Minute, Dim: audit.DimTotal, Since: minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Count != nodes*rounds {
			t.Fatalf("%s counted %d, want %d", r.Key, r.Count, nodes*rounds)
		}
	}
	if len(rows) != keys {
		t.Fatalf("%d counter rows, want %d", len(rows), keys)
	}
}
