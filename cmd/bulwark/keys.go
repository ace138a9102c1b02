package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/spf13/cobra"
)

func newKeysCmd() *cobra.Command {
	return group("keys", "manage API keys: create, list, revoke, rotate",
		"Manage API keys. The store and the pepper come from the config file (store, identity.api_keys).",
		newKeysCreateCmd(), newKeysListCmd(), newKeysRevokeCmd(), newKeysRotateCmd())
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

func newKeysCreateCmd() *cobra.Command {
	c := &cobra.Command{Use: "create --consumer NAME", Short: "create an API key (its plaintext is shown once)", Args: exactArgs(0)}
	cfg := configFlag(c)
	f := c.Flags()
	var req apikey.CreateRequest
	f.StringVar(&req.Consumer, "consumer", "", "the application the key belongs to (required)")
	f.StringVar(&req.Subject, "subject", "", "the user the key acts for")
	funcFlag(f, "scopes", "a,b", "comma-separated scopes", listFlag(&req.Scopes))
	funcFlag(f, "roles", "a,b", "comma-separated roles", listFlag(&req.Roles))
	funcFlag(f, "expires", "duration", "lifetime such as 90d or 12h (default: never expires)", func(s string) error {
		d, err := config.ParseDuration(s)
		req.ExpiresIn = d
		return err
	})
	funcFlag(f, "meta", "k=v", "metadata label k=v (repeatable)", func(s string) error {
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
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return withManager(*cfg, c.ErrOrStderr(), func(ctx context.Context, m *apikey.Manager) error {
			plain, k, err := m.Create(ctx, req)
			if err != nil {
				return err
			}
			printNewKey(c.OutOrStdout(), "Created", plain, k)
			return nil
		})
	})
	return c
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

func newKeysListCmd() *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "list API keys", Args: exactArgs(0)}
	cfg := configFlag(c)
	var filter store.KeyFilter
	c.Flags().StringVar(&filter.Consumer, "consumer", "", "only this consumer's keys")
	c.Flags().BoolVar(&filter.IncludeRevoked, "all", false, "include revoked keys")
	asJSON := c.Flags().Bool("json", false, "print JSON")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		stdout := c.OutOrStdout()
		return withManager(*cfg, c.ErrOrStderr(), func(ctx context.Context, m *apikey.Manager) error {
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
	})
	return c
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

func newKeysRevokeCmd() *cobra.Command {
	c := &cobra.Command{Use: "revoke ID", Short: "revoke an API key", Args: exactArgs(1)}
	cfg := configFlag(c)
	c.RunE = action(func(c *cobra.Command, args []string) int {
		return withManager(*cfg, c.ErrOrStderr(), func(ctx context.Context, m *apikey.Manager) error {
			if err := m.Revoke(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Revoked API key %s. Gateways sharing the store refuse it within a second.\n", args[0])
			return nil
		})
	})
	return c
}

func newKeysRotateCmd() *cobra.Command {
	c := &cobra.Command{Use: "rotate ID", Short: "replace an API key; the old one stays valid for --overlap", Args: exactArgs(1)}
	cfg := configFlag(c)
	overlap := 24 * time.Hour
	funcFlag(c.Flags(), "overlap", "duration", "how long the old key stays valid, such as 24h or 7d (default 24h)", func(s string) error {
		d, err := config.ParseDuration(s)
		overlap = d
		return err
	})
	c.RunE = action(func(c *cobra.Command, args []string) int {
		stdout := c.OutOrStdout()
		return withManager(*cfg, c.ErrOrStderr(), func(ctx context.Context, m *apikey.Manager) error {
			plain, k, err := m.Rotate(ctx, args[0], overlap)
			if err != nil {
				return err
			}
			printNewKey(stdout, "Rotated "+args[0]+" to", plain, k)
			fmt.Fprintf(stdout, "The old key %s stays valid until %s.\n", args[0], stamp(time.Now().Add(overlap)))
			return nil
		})
	})
	return c
}
