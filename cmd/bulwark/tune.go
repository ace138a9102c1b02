package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bulwark-gw/bulwark/internal/inspect/tune"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/spf13/cobra"
)

// maxStoreEvents bounds the audit rows tune reads from a store.
const maxStoreEvents = 1_000_000

// storeEvents pages through the config's stored audit events of the last
// period, newest first, keeping the injection findings.
func storeEvents(cfg string, since time.Duration, blocked bool, stderr io.Writer) ([]tune.Event, tune.Stats, error) {
	var st tune.Stats
	ctx := context.Background()
	_, db, ok := openConfiguredStore(ctx, "tune", cfg, stderr, nil)
	if !ok {
		return nil, st, errors.New("no store")
	}
	defer db.Close()
	var out []tune.Event
	f := store.AuditFilter{Since: time.Now().Add(-since), Limit: store.MaxAuditLimit}
	for read := 0; read < maxStoreEvents; {
		rows, err := db.QueryAudit(ctx, f)
		if err != nil {
			fmt.Fprintln(stderr, "bulwark tune:", err)
			return nil, st, err
		}
		for _, r := range rows {
			e := tune.Event{API: r.API, Route: r.Route, Reason: r.Reason, Rule: r.Rule, Object: r.Object}
			if e, keep := st.Keep(e, blocked); keep {
				out = append(out, e)
			}
		}
		read += len(rows)
		if len(rows) < f.Limit || len(rows) == 0 {
			break
		}
		f.BeforeID = rows[len(rows)-1].ID
	}
	return out, st, nil
}

// tuneCommand reads monitor-mode audit events and writes the config with
// the narrowest exclusions that would have let those requests through.
// Exit status: 0 done (proposals or none), 1 a file could not be read or
// patched, 2 usage.
func newTuneCmd() *cobra.Command {
	c := &cobra.Command{Use: "tune (--audit EVENTS.jsonl | --store) [-o PATCHED.yaml]", Short: "propose injection exclusions from monitor-mode findings",
		Long: `Reads monitor-mode injection findings from the audit log and writes the config
with the narrowest exclusions (route + field + detector) that would have let
those requests through, each with its count and example field paths. Review
them before you deploy: a finding in monitor mode may also be an attack.`,
		Args: exactArgs(0)}
	f := c.Flags()
	cfg := f.StringP("config", "c", defaultConfig(), configUsage+"; the one the audit events were recorded with")
	events := f.String("audit", "", "audit events, JSON lines (the audit.file of the gateway; - for standard input)")
	fromStore := f.Bool("store", false, "read the audit events from the config's store instead of --audit")
	since := f.Duration("since", 7*24*time.Hour, "with --store: events of this last period")
	out := f.StringP("output", "o", "-", "where to write the patched config (- for standard output)")
	minCount := f.Int("min-count", 1, "propose an exclusion only for fields with at least this many findings")
	blocked := f.Bool("include-blocked", false, "also learn from refusals in block mode (review them: they may be attacks)")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return runTune(tuneOptions{config: *cfg, events: *events, fromStore: *fromStore, since: *since, out: *out,
			minCount: *minCount, blocked: *blocked}, c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

type tuneOptions struct {
	config, events, out string
	fromStore, blocked  bool
	since               time.Duration
	minCount            int
}

func runTune(o tuneOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	if (o.events == "") == !o.fromStore {
		fmt.Fprintln(stderr, "bulwark tune: name the audit events with --audit FILE or --store (one of them)")
		return 2
	}
	src, err := os.ReadFile(o.config)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark tune:", err)
		return 1
	}
	var evs []tune.Event
	var st tune.Stats
	if o.fromStore {
		if evs, st, err = storeEvents(o.config, o.since, o.blocked, stderr); err != nil {
			return 1
		}
	} else {
		in := stdin
		if o.events != "-" {
			f, err := os.Open(o.events)
			if err != nil {
				fmt.Fprintln(stderr, "bulwark tune:", err)
				return 1
			}
			defer f.Close()
			in = f
		}
		if evs, st, err = tune.ReadEvents(in, o.blocked); err != nil {
			fmt.Fprintln(stderr, "bulwark tune: reading events:", err)
			return 1
		}
	}
	ps, skipped := tune.Propose(evs, o.minCount)
	tune.Summary(stderr, ps, skipped, st)
	patched, err := tune.Apply(src, ps)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark tune: %s: %v\n", o.config, err)
		return 1
	}
	if o.out == "-" {
		_, err = stdout.Write(patched)
	} else {
		err = os.WriteFile(o.out, patched, 0o600)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bulwark tune:", err)
		return 1
	}
	return 0
}
