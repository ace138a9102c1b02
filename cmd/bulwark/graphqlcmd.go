package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/spf13/cobra"
)

const graphqlLong = `Manage the persisted operations of GraphQL routes with persisted.store: true.
Learning mode stores each new operation it sees (status learned); promote
registers a route's learned operations, register adds one, and allow mode runs
only registered operations. The store comes from the config file (store). A
running gateway loads changes made here at its next reload; changes made
through its admin API (/admin/api/graphql/operations) apply at once on it.`

func newGraphQLCmd() *cobra.Command {
	return group("graphql", "manage stored GraphQL persisted operations: operations, register, promote, delete", graphqlLong,
		newGraphQLListCmd(), newGraphQLRegisterCmd(), newGraphQLPromoteCmd(), newGraphQLDeleteCmd())
}

// routeFlags adds --api and --route; check reports whether the config has
// that GraphQL route with persisted.store (required says both must be set).
func routeFlags(c *cobra.Command, required bool) (api, route *string, check func(*config.Plan) error) {
	api = c.Flags().String("api", "", "API name")
	route = c.Flags().String("route", "", `route name (its name:, or its match such as "POST /graphql")`)
	return api, route, func(plan *config.Plan) error {
		if !required && *api == "" && *route == "" {
			return nil
		}
		if *api == "" || *route == "" {
			return fmt.Errorf("--api and --route are required")
		}
		for _, a := range plan.APIs {
			for _, r := range a.Routes {
				if a.Name != *api || r.Name != *route {
					continue
				}
				if r.GraphQL == nil || !r.GraphQL.Persisted.Store {
					return fmt.Errorf("route %q of API %q does not keep its operations in the store (persisted.store: true)", *route, *api)
				}
				return nil
			}
		}
		return fmt.Errorf("the config has no route %q in API %q", *route, *api)
	}
}

func graphqlStore(c *cobra.Command, cfg string, check func(*config.Plan) error, fn func(ctx context.Context, st *store.Store) error) int {
	ctx := context.Background()
	_, st, ok := openConfiguredStore(ctx, "graphql", cfg, c.ErrOrStderr(), check)
	if !ok {
		return 1
	}
	defer st.Close()
	if err := fn(ctx, st); err != nil {
		fmt.Fprintf(c.ErrOrStderr(), "bulwark graphql: %v\n", err)
		return 1
	}
	return 0
}

func newGraphQLListCmd() *cobra.Command {
	c := &cobra.Command{Use: "operations [--api API --route ROUTE] [--status learned|registered]",
		Short: "list stored operations", Args: exactArgs(0)}
	cfg := configFlag(c)
	api, route, check := routeFlags(c, false)
	status := c.Flags().String("status", "", "learned or registered (default: both)")
	asJSON := c.Flags().Bool("json", false, "print JSON lines, with each operation's text")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return graphqlStore(c, *cfg, check, func(ctx context.Context, st *store.Store) error {
			ops, err := st.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: *api, Route: *route, Status: *status,
				Limit: store.MaxGraphQLOpsLimit})
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if *asJSON {
				enc := json.NewEncoder(out)
				for _, op := range ops {
					if err := enc.Encode(op); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "API\tROUTE\tSTATUS\tHASH\tOPERATION")
			for _, op := range ops {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", op.API, op.Route, op.Status, op.Hash, op.OperationName)
			}
			return tw.Flush()
		})
	})
	return c
}

func newGraphQLRegisterCmd() *cobra.Command {
	c := &cobra.Command{Use: "register --api API --route ROUTE (--file OPERATION.graphql | --hash SHA256)",
		Short: "register one operation for allow mode", Args: exactArgs(0)}
	cfg := configFlag(c)
	api, route, check := routeFlags(c, true)
	file := c.Flags().String("file", "", "a file holding the operation's text, exactly as clients send it")
	hash := c.Flags().String("hash", "", "the sha256 of an operation (a learned one's text is kept)")
	name := c.Flags().String("name", "", "the operation's name, for listings")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		op := store.GraphQLOperation{API: *api, Route: *route, Hash: strings.ToLower(*hash), OperationName: *name}
		switch {
		case (*file == "") == (*hash == ""):
			fmt.Fprintln(c.ErrOrStderr(), "bulwark graphql register: give --file or --hash")
			return 2
		case *file != "":
			text, err := os.ReadFile(*file)
			if err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "bulwark graphql register: %v\n", err)
				return 1
			}
			sum := sha256.Sum256(text)
			op.Query, op.Hash = string(text), hex.EncodeToString(sum[:])
		}
		return graphqlStore(c, *cfg, check, func(ctx context.Context, st *store.Store) error {
			got, err := st.RegisterGraphQLOperation(ctx, op)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Registered %s on %s %s.\n", got.Hash, got.API, got.Route)
			return nil
		})
	})
	return c
}

func newGraphQLPromoteCmd() *cobra.Command {
	c := &cobra.Command{Use: "promote --api API --route ROUTE", Short: "register every operation a route has learned",
		Args: exactArgs(0)}
	cfg := configFlag(c)
	api, route, check := routeFlags(c, true)
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		return graphqlStore(c, *cfg, check, func(ctx context.Context, st *store.Store) error {
			learned, err := st.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: *api, Route: *route,
				Status: store.GraphQLLearned, Limit: store.MaxGraphQLOpsLimit})
			if err != nil {
				return err
			}
			for _, op := range learned {
				if _, err := st.RegisterGraphQLOperation(ctx, store.GraphQLOperation{API: op.API, Route: op.Route, Hash: op.Hash}); err != nil {
					return err
				}
			}
			fmt.Fprintf(c.OutOrStdout(), "Registered %d learned operations on %s %s.\n", len(learned), *api, *route)
			return nil
		})
	})
	return c
}

func newGraphQLDeleteCmd() *cobra.Command {
	c := &cobra.Command{Use: "delete --api API --route ROUTE --hash SHA256", Short: "delete a stored operation",
		Args: exactArgs(0)}
	cfg := configFlag(c)
	api, route, check := routeFlags(c, true)
	hash := c.Flags().String("hash", "", "the operation's sha256 (required)")
	c.RunE = action(func(c *cobra.Command, _ []string) int {
		if *hash == "" {
			fmt.Fprintln(c.ErrOrStderr(), "bulwark graphql delete: --hash is required")
			return 2
		}
		return graphqlStore(c, *cfg, check, func(ctx context.Context, st *store.Store) error {
			if err := st.DeleteGraphQLOperation(ctx, *api, *route, strings.ToLower(*hash)); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Deleted %s from %s %s.\n", strings.ToLower(*hash), *api, *route)
			return nil
		})
	})
	return c
}
