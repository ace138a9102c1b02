package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/spf13/cobra"
)

const ownersLong = `Manage object ownership records: who owns each object, so that the gateway
refuses a request for another user's object. Import files hold one record a line:
  {"object":"order","id":"1001","owner":"1"}
A file with any bad line is refused whole. Gateways sharing the store see
changes within a second. The store comes from the config file (store).`

func newOwnersCmd() *cobra.Command {
	return group("owners", "manage object ownership records: set, get, delete, list, import", ownersLong,
		newOwnersSetCmd(), newOwnersGetCmd(), newOwnersDeleteCmd(), newOwnersListCmd(), newOwnersImportCmd())
}

// objectFlags adds --object and --id to c and returns a check that both were given.
func objectFlags(c *cobra.Command) (object, id *string, given func() bool) {
	object = c.Flags().String("object", "", "object type, such as order (required)")
	id = c.Flags().String("id", "", "object id (required)")
	return object, id, func() bool {
		if *object == "" || *id == "" {
			fmt.Fprintf(c.ErrOrStderr(), "%s: --object and --id are required\n", c.CommandPath())
			return false
		}
		return true
	}
}

// withStore loads the config at path, opens its store and runs fn.
func withStore(path string, stderr io.Writer, fn func(ctx context.Context, st *store.Store) error) int {
	ctx := context.Background()
	_, st, ok := openConfiguredStore(ctx, "owners", path, stderr, nil)
	if !ok {
		return 1
	}
	defer st.Close()
	if err := fn(ctx, st); err != nil {
		fmt.Fprintf(stderr, "bulwark owners: %v\n", err)
		return 1
	}
	return 0
}

func newOwnersSetCmd() *cobra.Command {
	c := &cobra.Command{Use: "set --object TYPE --id ID --owner OWNER", Short: "record an object's owner", Args: exactArgs(0)}
	cfg := configFlag(c)
	object, id, given := objectFlags(c)
	owner := c.Flags().String("owner", "", "the owning principal (required)")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		if !given() {
			return 2
		}
		rec := store.OwnershipRecord{ObjectType: *object, ObjectID: *id, Owner: *owner}
		if err := rec.Validate(); err != nil {
			fmt.Fprintf(c.ErrOrStderr(), "bulwark owners set: %v\n", err)
			return 2
		}
		return withStore(*cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store) error {
			if err := st.SetOwner(ctx, rec); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s %s is owned by %s.\n", rec.ObjectType, rec.ObjectID, rec.Owner)
			return nil
		})
	})
	return c
}

func newOwnersGetCmd() *cobra.Command {
	return objectCmd("get", "print an object's owner (exit 1 when it has none)",
		func(ctx context.Context, st *store.Store, object, id string, out io.Writer) error {
			owner, err := st.Owner(ctx, object, id)
			if err == nil {
				fmt.Fprintln(out, owner)
			}
			return err
		})
}

func newOwnersDeleteCmd() *cobra.Command {
	return objectCmd("delete", "delete an object's ownership record",
		func(ctx context.Context, st *store.Store, object, id string, out io.Writer) error {
			err := st.DeleteOwner(ctx, object, id)
			if err == nil {
				fmt.Fprintf(out, "Deleted the ownership record of %s %s.\n", object, id)
			}
			return err
		})
}

// objectCmd is an owners subcommand on the one object --object/--id name;
// a missing record is a failure that says so.
func objectCmd(name, short string, fn func(ctx context.Context, st *store.Store, object, id string, out io.Writer) error) *cobra.Command {
	c := &cobra.Command{Use: name + " --object TYPE --id ID", Short: short, Args: exactArgs(0)}
	cfg := configFlag(c)
	object, id, given := objectFlags(c)
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		if !given() {
			return 2
		}
		return withStore(*cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store) error {
			err := fn(ctx, st, *object, *id, c.OutOrStdout())
			if errors.Is(err, store.ErrOwnerNotFound) {
				return fmt.Errorf("%s %s has no ownership record", *object, *id)
			}
			return err
		})
	})
	return c
}

func newOwnersListCmd() *cobra.Command {
	c := &cobra.Command{Use: "list", Short: "list ownership records", Args: exactArgs(0)}
	cfg := configFlag(c)
	var filter store.OwnerFilter
	c.Flags().StringVar(&filter.ObjectType, "object", "", "only objects of this type")
	c.Flags().StringVar(&filter.Owner, "owner", "", "only this owner's objects")
	c.Flags().IntVar(&filter.Limit, "limit", store.DefaultOwnerLimit, fmt.Sprintf("most records to list (at most %d)", store.MaxOwnerLimit))
	asJSON := c.Flags().Bool("json", false, "print JSON")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		stdout := c.OutOrStdout()
		return withStore(*cfg, c.ErrOrStderr(), func(ctx context.Context, st *store.Store) error {
			recs, err := st.ListOwners(ctx, filter)
			if err != nil {
				return err
			}
			if *asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(recs)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OBJECT\tID\tOWNER\tRECORDED")
			for _, r := range recs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ObjectType, r.ObjectID, r.Owner, stamp(r.CreatedAt))
			}
			return tw.Flush()
		})
	})
	return c
}

func newOwnersImportCmd() *cobra.Command {
	c := &cobra.Command{Use: "import RECORDS.jsonl", Short: "import ownership records, one JSON object a line (- reads standard input)", Args: exactArgs(1)}
	cfg := configFlag(c)
	c.RunE = action(func(c *cobra.Command, args []string) int {
		return ownersImport(*cfg, args[0], c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

func ownersImport(cfg, name string, stdin io.Reader, stdout, stderr io.Writer) int {
	in := stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "bulwark owners import: %v\n", err)
			return 1
		}
		defer file.Close()
		in = file
	}
	recs, err := ownership.ParseJSONL(in, 0)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark owners import: %s: %v\n", name, err)
		return 1
	}
	return withStore(cfg, stderr, func(ctx context.Context, st *store.Store) error {
		n, err := st.ImportOwners(ctx, recs)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Imported %d ownership records from %s.\n", n, name)
		return nil
	})
}
