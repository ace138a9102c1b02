package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/store"
)

const ownersUsage = `Usage:
  bulwark owners set    -c FILE --object TYPE --id ID --owner OWNER
  bulwark owners get    -c FILE --object TYPE --id ID
  bulwark owners delete -c FILE --object TYPE --id ID
  bulwark owners list   -c FILE [--object TYPE] [--owner OWNER] [--limit N] [--json]
  bulwark owners import -c FILE RECORDS.jsonl   (- reads standard input)

Ownership records say who owns each object, so that the gateway refuses a
request for another user's object. Import files hold one record a line:
  {"object":"order","id":"1001","owner":"1"}
A file with any bad line is refused whole. Gateways sharing the store see
changes within a second. The store comes from the config file (store).
`

// ownersCommand manages ownership records in the configured store. Exit
// status: 0 done, 1 failed (or, for get, no record), 2 usage.
func ownersCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, ownersUsage)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, ownersUsage)
		return 0
	}
	var cmd func([]string, io.Writer, io.Writer) int
	switch args[0] {
	case "set":
		cmd = ownersSet
	case "get":
		cmd = ownersGet
	case "delete":
		cmd = ownersDelete
	case "list":
		cmd = ownersList
	case "import":
		cmd = ownersImport
	default:
		fmt.Fprintf(stderr, "bulwark owners: unknown command %q\n\n%s", args[0], ownersUsage)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

// ownersFlags is a subcommand's flag set with -c and the object flags.
type ownersFlags struct {
	keysFlags
	object, id *string
}

// newOwnersBase is a subcommand's flag set with only -c; it parses like
// the keys commands' (flags may follow positional arguments).
func newOwnersBase(name string, stderr io.Writer) keysFlags {
	fs := flag.NewFlagSet("owners "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return keysFlags{FlagSet: fs, config: fs.String("c", "bulwark.yaml", "config file")}
}

func newOwnersFlags(name string, stderr io.Writer) ownersFlags {
	f := newOwnersBase(name, stderr)
	return ownersFlags{keysFlags: f,
		object: f.String("object", "", "object type, such as order"),
		id:     f.String("id", "", "object id")}
}

// needObject reports whether --object and --id were given.
func (f ownersFlags) needObject() bool {
	if *f.object == "" || *f.id == "" {
		fmt.Fprintf(f.Output(), "bulwark %s: --object and --id are required\n", f.Name())
		return false
	}
	return true
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

func ownersSet(args []string, stdout, stderr io.Writer) int {
	f := newOwnersFlags("set", stderr)
	owner := f.String("owner", "", "the owning principal (required)")
	if _, ok := f.parse(args, 0); !ok || !f.needObject() {
		return 2
	}
	rec := store.OwnershipRecord{ObjectType: *f.object, ObjectID: *f.id, Owner: *owner}
	if err := rec.Validate(); err != nil {
		fmt.Fprintf(stderr, "bulwark owners set: %v\n", err)
		return 2
	}
	return withStore(*f.config, stderr, func(ctx context.Context, st *store.Store) error {
		if err := st.SetOwner(ctx, rec); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s is owned by %s.\n", rec.ObjectType, rec.ObjectID, rec.Owner)
		return nil
	})
}

func ownersGet(args []string, stdout, stderr io.Writer) int {
	f := newOwnersFlags("get", stderr)
	if _, ok := f.parse(args, 0); !ok || !f.needObject() {
		return 2
	}
	return withStore(*f.config, stderr, func(ctx context.Context, st *store.Store) error {
		owner, err := st.Owner(ctx, *f.object, *f.id)
		if errors.Is(err, store.ErrOwnerNotFound) {
			return fmt.Errorf("%s %s has no ownership record", *f.object, *f.id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, owner)
		return nil
	})
}

func ownersDelete(args []string, stdout, stderr io.Writer) int {
	f := newOwnersFlags("delete", stderr)
	if _, ok := f.parse(args, 0); !ok || !f.needObject() {
		return 2
	}
	return withStore(*f.config, stderr, func(ctx context.Context, st *store.Store) error {
		err := st.DeleteOwner(ctx, *f.object, *f.id)
		if errors.Is(err, store.ErrOwnerNotFound) {
			return fmt.Errorf("%s %s has no ownership record", *f.object, *f.id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Deleted the ownership record of %s %s.\n", *f.object, *f.id)
		return nil
	})
}

func ownersList(args []string, stdout, stderr io.Writer) int {
	f := newOwnersBase("list", stderr)
	var filter store.OwnerFilter
	f.StringVar(&filter.ObjectType, "object", "", "only objects of this type")
	f.StringVar(&filter.Owner, "owner", "", "only this owner's objects")
	f.IntVar(&filter.Limit, "limit", store.DefaultOwnerLimit, fmt.Sprintf("most records to list (at most %d)", store.MaxOwnerLimit))
	asJSON := f.Bool("json", false, "print JSON")
	if _, ok := f.parse(args, 0); !ok {
		return 2
	}
	return withStore(*f.config, stderr, func(ctx context.Context, st *store.Store) error {
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
}

func ownersImport(args []string, stdout, stderr io.Writer) int {
	f := newOwnersBase("import", stderr)
	pos, ok := f.parse(args, 1)
	if !ok {
		return 2
	}
	in := io.Reader(os.Stdin)
	if pos[0] != "-" {
		file, err := os.Open(pos[0])
		if err != nil {
			fmt.Fprintf(stderr, "bulwark owners import: %v\n", err)
			return 1
		}
		defer file.Close()
		in = file
	}
	recs, err := ownership.ParseJSONL(in, 0)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark owners import: %s: %v\n", pos[0], err)
		return 1
	}
	return withStore(*f.config, stderr, func(ctx context.Context, st *store.Store) error {
		n, err := st.ImportOwners(ctx, recs)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Imported %d ownership records from %s.\n", n, pos[0])
		return nil
	})
}
