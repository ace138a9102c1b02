package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bulwark-gw/bulwark/internal/inspect/tune"
)

// tuneCommand reads monitor-mode audit events and writes the config with
// the narrowest exclusions that would have let those requests through.
// Exit status: 0 done (proposals or none), 1 a file could not be read or
// patched, 2 usage.
func tuneCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("c", "bulwark.yaml", "config file the audit events were recorded with")
	events := fs.String("audit", "", "audit events, JSON lines (the audit.file of the gateway; - for standard input)")
	out := fs.String("o", "-", "where to write the patched config (- for standard output)")
	minCount := fs.Int("min-count", 1, "propose an exclusion only for fields with at least this many findings")
	blocked := fs.Bool("include-blocked", false, "also learn from refusals in block mode (review them: they may be attacks)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: bulwark tune -c CONFIG -audit EVENTS.jsonl [-o PATCHED.yaml]

Reads monitor-mode injection findings from the audit log and writes CONFIG
with the narrowest exclusions (route + field + detector) that would have let
those requests through, each with its count and example field paths. Review
them before you deploy: a finding in monitor mode may also be an attack.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *events == "" {
		fmt.Fprintln(stderr, "bulwark tune: name the audit events with -audit FILE")
		return 2
	}
	src, err := os.ReadFile(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark tune:", err)
		return 1
	}
	var in io.Reader = os.Stdin
	if *events != "-" {
		f, err := os.Open(*events)
		if err != nil {
			fmt.Fprintln(stderr, "bulwark tune:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	evs, st, err := tune.ReadEvents(in, *blocked)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark tune: reading events:", err)
		return 1
	}
	ps, skipped := tune.Propose(evs, *minCount)
	tune.Summary(stderr, ps, skipped, st)
	patched, err := tune.Apply(src, ps)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark tune: %s: %v\n", *cfg, err)
		return 1
	}
	if *out == "-" {
		_, err = stdout.Write(patched)
	} else {
		err = os.WriteFile(*out, patched, 0o600)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bulwark tune:", err)
		return 1
	}
	return 0
}
