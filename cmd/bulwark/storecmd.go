package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// openConfiguredStore loads the config at path and opens its store, for the
// command "bulwark cmd". check, when not nil, vets the plan before the store
// is opened (and so before a SQLite file is created or migrated). Failures are
// reported on stderr as "bulwark cmd: ..." and ok is false; otherwise the
// caller closes the store.
func openConfiguredStore(ctx context.Context, cmd, path string, stderr io.Writer, check func(*config.Plan) error) (plan *config.Plan, st *store.Store, ok bool) {
	plan, diags := config.Load(path)
	if diags.HasErrors() || plan == nil {
		for _, d := range diags.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		fmt.Fprintf(stderr, "bulwark %s: %s: config has errors\n", cmd, path)
		return nil, nil, false
	}
	if plan.Store == "" {
		fmt.Fprintf(stderr, "bulwark %s: %s: no store is configured (store:)\n", cmd, path)
		return nil, nil, false
	}
	if check != nil {
		if err := check(plan); err != nil {
			fmt.Fprintf(stderr, "bulwark %s: %v\n", cmd, err)
			return nil, nil, false
		}
	}
	st, err := store.Open(ctx, plan.Store)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark %s: %v\n", cmd, err)
		return nil, nil, false
	}
	return plan, st, true
}
