package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	gql "github.com/graph-gophers/graphql-go"

	"github.com/bulwark-gw/bulwark/examples"
)

// The shop's GraphQL endpoint (graph-gophers/graphql-go) over the same
// database as its REST routes. VULNERABLE by design, like the rest of the
// shop: no depth, alias, batch or cost limit, introspection for everyone,
// every field (ssn included) to every caller, and suggestions in its errors.
// Bulwark's GraphQL guard is what adds the limits.

// maxPage bounds one list so that the shop itself survives what it is sent
// directly; a deep query still fans out (friends of friends of …).
const maxPage = 100

func (s *Shop) graphqlSchema() (*gql.Schema, error) {
	sdl, err := examples.FS.ReadFile("shop.graphql")
	if err != nil {
		return nil, err
	}
	return gql.ParseSchema(string(sdl), &gqlRoot{s: s}, gql.UseFieldResolvers())
}

// graphqlRequest is one GraphQL request as sent by GET, POST JSON or a batch.
type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// serveGraphQL answers /graphql: GET with query parameters, POST with a JSON
// object or a batch (array) of them, POST application/graphql.
func (s *Shop) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	schema := s.gqlSchema
	{
		var reqs []graphqlRequest
		batch := false
		switch {
		case r.Method == http.MethodGet:
			q := r.URL.Query()
			req := graphqlRequest{Query: q.Get("query"), OperationName: q.Get("operationName")}
			if v := q.Get("variables"); v != "" {
				if err := json.Unmarshal([]byte(v), &req.Variables); err != nil {
					writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
					return
				}
			}
			reqs = []graphqlRequest{req}
		default:
			body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
			if err != nil {
				return
			}
			if r.Header.Get("Content-Type") == "application/graphql" {
				reqs = []graphqlRequest{{Query: string(body), OperationName: r.URL.Query().Get("operationName")}}
				break
			}
			var one graphqlRequest
			if json.Unmarshal(body, &reqs) == nil {
				batch = true
			} else if err := json.Unmarshal(body, &one); err == nil {
				reqs = []graphqlRequest{one}
			} else {
				writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
				return
			}
		}
		out := make([]*gql.Response, len(reqs))
		for i, q := range reqs {
			out[i] = schema.Exec(r.Context(), q.Query, q.OperationName, q.Variables)
		}
		if batch {
			writeJSON(w, http.StatusOK, out)
			return
		}
		writeJSON(w, http.StatusOK, out[0])
	}
}

type gqlRoot struct{ s *Shop }

func page(first *int32) int {
	if first == nil || *first > maxPage {
		return maxPage
	}
	return max(0, int(*first))
}

func parseID(id gql.ID) (int64, error) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("id %q is not a number", string(id))
	}
	return n, nil
}

func (q *gqlRoot) User(ctx context.Context, args struct{ ID gql.ID }) (*gqlUser, error) {
	id, err := parseID(args.ID)
	if err != nil {
		return nil, err
	}
	return q.s.gqlUserByID(ctx, id)
}

func (q *gqlRoot) Users(ctx context.Context, args struct{ First *int32 }) ([]*gqlUser, error) {
	return q.s.gqlUsers(ctx, `SELECT `+userColumns+` FROM users ORDER BY id LIMIT ?`, page(args.First))
}

func (q *gqlRoot) Order(ctx context.Context, args struct{ ID gql.ID }) (*gqlOrder, error) {
	id, err := parseID(args.ID)
	if err != nil {
		return nil, err
	}
	orders, err := q.s.queryOrders(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id)
	if err != nil || len(orders) == 0 {
		return nil, err
	}
	return &gqlOrder{s: q.s, o: orders[0]}, nil
}

func (q *gqlRoot) Products(ctx context.Context, args struct{ First *int32 }) ([]*gqlProduct, error) {
	return queryAll(ctx, q.s, func(row scanner) (*gqlProduct, error) {
		p, err := scanProduct(row)
		return &gqlProduct{p: p}, err
	}, `SELECT `+productColumns+` FROM products ORDER BY id LIMIT ?`, page(args.First))
}

// queryAll runs query and turns each row into a T with scan.
func queryAll[T any](ctx context.Context, s *Shop, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (q *gqlRoot) SetOrderStatus(ctx context.Context, args struct {
	ID     gql.ID
	Status string
}) (*gqlOrder, error) {
	id, err := parseID(args.ID)
	if err != nil {
		return nil, err
	}
	if _, err := q.s.db.ExecContext(ctx, `UPDATE orders SET status = ? WHERE id = ?`, args.Status, id); err != nil {
		return nil, err
	}
	return q.Order(ctx, struct{ ID gql.ID }{args.ID})
}

func (s *Shop) gqlUserByID(ctx context.Context, id int64) (*gqlUser, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, errors.New("no such user")
	}
	return &gqlUser{s: s, u: u}, nil
}

func (s *Shop) gqlUsers(ctx context.Context, query string, args ...any) ([]*gqlUser, error) {
	return queryAll(ctx, s, func(row scanner) (*gqlUser, error) {
		u, err := scanUser(row)
		return &gqlUser{s: s, u: u}, err
	}, query, args...)
}

type gqlUser struct {
	s *Shop
	u user
}

func (u *gqlUser) ID() gql.ID       { return gql.ID(strconv.FormatInt(u.u.ID, 10)) }
func (u *gqlUser) Username() string { return u.u.Username }
func (u *gqlUser) Role() string     { return u.u.Role }
func (u *gqlUser) Email() string    { return u.u.Email }
func (u *gqlUser) SSN() string      { return u.u.SSN }

func (u *gqlUser) Orders(ctx context.Context, args struct{ First *int32 }) ([]*gqlOrder, error) {
	orders, err := u.s.queryOrders(ctx, `SELECT `+orderColumns+` FROM orders WHERE owner_id = ? ORDER BY id LIMIT ?`,
		u.u.ID, page(args.First))
	if err != nil {
		return nil, err
	}
	out := make([]*gqlOrder, len(orders))
	for i, o := range orders {
		out[i] = &gqlOrder{s: u.s, o: o}
	}
	return out, nil
}

func (u *gqlUser) Friends(ctx context.Context, args struct{ First *int32 }) ([]*gqlUser, error) {
	return u.s.gqlUsers(ctx, `SELECT `+userColumns+` FROM users WHERE id <> ? ORDER BY id LIMIT ?`, u.u.ID, page(args.First))
}

type gqlOrder struct {
	s *Shop
	o order
}

func (o *gqlOrder) ID() gql.ID        { return gql.ID(strconv.FormatInt(o.o.ID, 10)) }
func (o *gqlOrder) Status() string    { return o.o.Status }
func (o *gqlOrder) TotalCents() int32 { return int32(o.o.TotalCents) }
func (o *gqlOrder) CreatedAt() string { return o.o.CreatedAt }
func (o *gqlOrder) Owner(ctx context.Context) (*gqlUser, error) {
	return o.s.gqlUserByID(ctx, o.o.OwnerID)
}

func (o *gqlOrder) Items(ctx context.Context) ([]*gqlItem, error) {
	out := make([]*gqlItem, len(o.o.Items))
	for i, it := range o.o.Items {
		out[i] = &gqlItem{s: o.s, it: it}
	}
	return out, nil
}

type gqlItem struct {
	s  *Shop
	it orderItem
}

func (i *gqlItem) Qty() int32        { return int32(i.it.Qty) }
func (i *gqlItem) PriceCents() int32 { return int32(i.it.PriceCents) }
func (i *gqlItem) Product(ctx context.Context) (*gqlProduct, error) {
	p, err := scanProduct(i.s.db.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, i.it.ProductID))
	if err != nil {
		return nil, errors.New("no such product")
	}
	return &gqlProduct{p: p}, nil
}

type gqlProduct struct{ p product }

func (p *gqlProduct) ID() gql.ID        { return gql.ID(strconv.FormatInt(p.p.ID, 10)) }
func (p *gqlProduct) Name() string      { return p.p.Name }
func (p *gqlProduct) Category() string  { return p.p.Category }
func (p *gqlProduct) PriceCents() int32 { return int32(p.p.PriceCents) }
