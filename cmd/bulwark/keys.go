package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

const keysUsage = `Usage:
  bulwark keys create -c FILE --consumer NAME [--subject S] [--scopes a,b] [--roles r] [--expires 90d] [--meta k=v]...
  bulwark keys list   -c FILE [--consumer NAME] [--all] [--json]
  bulwark keys revoke -c FILE ID
  bulwark keys rotate -c FILE ID [--overlap 24h]

The store and the pepper come from the config file (store, identity.api_keys).
`

// keysCommand manages API keys in the configured store. Exit status: 0 done,
// 1 failed, 2 usage.
func keysCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) int{
		"create": keysCreate, "list": keysList, "revoke": keysRevoke, "rotate": keysRotate,
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, keysUsage)
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "bulwark keys: unknown command %q\n\n%s", args[0], keysUsage)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

// keysFlags is a subcommand's flag set with the shared -c flag.
type keysFlags struct {
	*flag.FlagSet
	config *string
}

func newKeysFlags(name string, stderr io.Writer) keysFlags {
	fs := flag.NewFlagSet("keys "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return keysFlags{FlagSet: fs, config: fs.String("c", "bulwark.yaml", "config file")}
}

// parse parses args, allowing flags after positional arguments, and returns
// the positional ones; it wants exactly nargs of them.
func (f keysFlags) parse(args []string, nargs int) ([]string, bool) {
	pos, err := parseAnywhere(f.FlagSet, args)
	if err != nil {
		return nil, false
	}
	if len(pos) != nargs {
		fmt.Fprintf(f.Output(), "bulwark %s: want %d argument(s), got %d\n", f.Name(), nargs, len(pos))
		return nil, false
	}
	return pos, true
}

// openManager loads the config and opens its store. The caller closes the store.
func openManager(ctx context.Context, path string, stderr io.Writer) (*apikey.Manager, *store.Store, bool) {
	plan, st, ok := openConfiguredStore(ctx, "keys", path, stderr, func(plan *config.Plan) error {
		if plan.Identity.APIKeys == nil {
			return fmt.Errorf("%s: identity.api_keys is not configured (it holds the pepper keys are hashed with)", path)
		}
		return nil
	})
	if !ok {
		return nil, nil, false
	}
	m, err := apikey.NewManager(st, []byte(plan.Identity.APIKeys.Pepper), nil)
	if err != nil {
		_ = st.Close()
		fmt.Fprintf(stderr, "bulwark keys: %v\n", err)
		return nil, nil, false
	}
	return m, st, true
}

// withManager runs fn with a manager for the config at path.
func withManager(path string, stderr io.Writer, fn func(ctx context.Context, m *apikey.Manager) error) int {
	ctx := context.Background()
	m, st, ok := openManager(ctx, path, stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	if err := fn(ctx, m); err != nil {
		fmt.Fprintf(stderr, "bulwark keys: %v\n", err)
		return 1
	}
	return 0
}

func keysCreate(args []string, stdout, stderr io.Writer) int {
	f := newKeysFlags("create", stderr)
	var req apikey.CreateRequest
	f.StringVar(&req.Consumer, "consumer", "", "the application the key belongs to (required)")
	f.StringVar(&req.Subject, "subject", "", "the user the key acts for")
	f.Func("scopes", "comma-separated scopes", listFlag(&req.Scopes))
	f.Func("roles", "comma-separated roles", listFlag(&req.Roles))
	f.Func("expires", "lifetime such as 90d or 12h (default: never expires)", func(s string) error {
		d, err := config.ParseDuration(s)
		req.ExpiresIn = d
		return err
	})
	f.Func("meta", "metadata label k=v (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return errors.New("want k=v")
		}
		if req.Metadata == nil {
			req.Metadata = map[string]string{}
		}
		req.Metadata[k] = v
		return nil
	})
	if _, ok := f.parse(args, 0); !ok {
		return 2
	}
	return withManager(*f.config, stderr, func(ctx context.Context, m *apikey.Manager) error {
		plain, k, err := m.Create(ctx, req)
		if err != nil {
			return err
		}
		printNewKey(stdout, "Created", plain, k)
		return nil
	})
}

// printNewKey shows a key's plaintext, the one time it is ever shown.
func printNewKey(w io.Writer, verb, plain string, k *store.APIKey) {
	fmt.Fprintf(w, "%s API key %s for consumer %q.\n\n  %s\n\n", verb, k.ID, k.Consumer, plain)
	fmt.Fprintln(w, "This key cannot be shown again: store it in a secret manager now.")
	fmt.Fprintln(w, "Bulwark keeps only a keyed hash of it; refer to the key by its id,", k.ID+".")
}

func listFlag(dst *[]string) func(string) error {
	return func(s string) error {
		for _, v := range strings.Split(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				*dst = append(*dst, v)
			}
		}
		return nil
	}
}

func keysList(args []string, stdout, stderr io.Writer) int {
	f := newKeysFlags("list", stderr)
	var filter store.KeyFilter
	f.StringVar(&filter.Consumer, "consumer", "", "only this consumer's keys")
	f.BoolVar(&filter.IncludeRevoked, "all", false, "include revoked keys")
	asJSON := f.Bool("json", false, "print JSON")
	if _, ok := f.parse(args, 0); !ok {
		return 2
	}
	return withManager(*f.config, stderr, func(ctx context.Context, m *apikey.Manager) error {
		keys, err := m.List(ctx, filter)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if keys == nil {
				keys = []*store.APIKey{}
			}
			return enc.Encode(keys)
		}
		printKeys(stdout, keys, time.Now())
		return nil
	})
}

func printKeys(w io.Writer, keys []*store.APIKey, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCONSUMER\tSUBJECT\tSTATE\tSCOPES\tCREATED\tEXPIRES\tLAST USED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Consumer, dash(k.Subject), k.State(now),
			dash(strings.Join(k.Scopes, ",")), stamp(k.CreatedAt), stamp(k.ExpiresAt), stamp(k.LastUsedAt))
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func keysRevoke(args []string, stdout, stderr io.Writer) int {
	f := newKeysFlags("revoke", stderr)
	pos, ok := f.parse(args, 1)
	if !ok {
		return 2
	}
	return withManager(*f.config, stderr, func(ctx context.Context, m *apikey.Manager) error {
		if err := m.Revoke(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked API key %s. Gateways sharing the store refuse it within a second.\n", pos[0])
		return nil
	})
}

func keysRotate(args []string, stdout, stderr io.Writer) int {
	f := newKeysFlags("rotate", stderr)
	overlap := 24 * time.Hour
	f.Func("overlap", "how long the old key stays valid, such as 24h or 7d (default 24h)", func(s string) error {
		d, err := config.ParseDuration(s)
		overlap = d
		return err
	})
	pos, ok := f.parse(args, 1)
	if !ok {
		return 2
	}
	return withManager(*f.config, stderr, func(ctx context.Context, m *apikey.Manager) error {
		plain, k, err := m.Rotate(ctx, pos[0], overlap)
		if err != nil {
			return err
		}
		printNewKey(stdout, "Rotated "+pos[0]+" to", plain, k)
		fmt.Fprintf(stdout, "The old key %s stays valid until %s.\n", pos[0], stamp(time.Now().Add(overlap)))
		return nil
	})
}
