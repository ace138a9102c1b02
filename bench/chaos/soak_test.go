package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestSoakShort is the CI variant of bench/soak.sh: three nodes on the test
// PostgreSQL (a schema of its own) and Redis, every guard on, held at 70 %
// of their measured capacity for 60 s; the nodes' RSS, heap, goroutines and
// open files must stay within 10 % (plus a small slack) after warm-up. It
// stops by itself within two minutes, the build included on a warm cache.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 60 s soak")
	}
	redisURL := os.Getenv("BULWARK_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BULWARK_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/0): skipping the soak")
	}
	dsn := storetest.PostgresDSN(t) // skips without BULWARK_TEST_POSTGRES_URL
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin, err := buildBulwark(context.Background(), repo, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := newCluster(ctx, dir, clusterOpts{bin: bin, redisURL: redisURL, dsn: dsn, nodes: 3, allGuards: true})
	defer c.close()
	if err != nil {
		t.Fatal(err)
	}
	key, err := createKey(c)
	if err != nil {
		t.Fatal(err)
	}
	capacity, _ := newLoader(c, newRecorder(), key).capacity(3*time.Second, 32)
	if capacity == 0 {
		t.Fatal("no request succeeded while measuring the capacity")
	}
	res, err := soakRun(ctx, c, key, 0.7*capacity, 60*time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	report := res.report(capacity, 0.7*capacity)
	t.Log("\n" + report)
	if !res.ok() {
		t.Fatal("a figure grew by more than 10 % after warm-up (see the table above)")
	}
}
