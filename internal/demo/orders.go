package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// order is an order as the shop stores and returns it.
type order struct {
	ID              int64       `json:"id"`
	OwnerID         int64       `json:"owner_id"`
	Status          string      `json:"status"`
	Items           []orderItem `json:"items"`
	TotalCents      int64       `json:"total_cents"`
	ShippingAddress string      `json:"shipping_address"`
	CreatedAt       string      `json:"created_at"`
}

// orderItem is one line of an order; the price is the product's at ordering.
type orderItem struct {
	ProductID  int64 `json:"product_id"`
	Qty        int64 `json:"qty"`
	PriceCents int64 `json:"price_cents"`
}

const orderColumns = `id, owner_id, status, items, total_cents, shipping_address, created_at`

func scanOrder(row scanner) (order, error) {
	var o order
	var items string
	err := row.Scan(&o.ID, &o.OwnerID, &o.Status, &items, &o.TotalCents, &o.ShippingAddress, &o.CreatedAt)
	if err != nil {
		return o, err
	}
	return o, json.Unmarshal([]byte(items), &o.Items)
}

// queryOrders returns the orders that query (selecting orderColumns) finds.
func (s *Shop) queryOrders(ctx context.Context, query string, args ...any) ([]order, error) {
	orders, err := queryAll(ctx, s, scanOrder, query, args...)
	if orders == nil && err == nil {
		orders = []order{} // [] in JSON, not null
	}
	return orders, err
}

// getOrder answers GET /orders/{id}. VULNERABLE twice: no ownership check
// (BOLA), and the id is pasted into the SQL, so "abc" fails inside SQLite and
// the 500 leaks the query, the error and a stack trace.
func (s *Shop) getOrder(w http.ResponseWriter, r *http.Request) {
	query := `SELECT ` + orderColumns + ` FROM orders WHERE id = ` + r.PathValue("id")
	s.writeOrder(w, r, query)
}

// getOrderByQuery answers GET /orders?id=N. VULNERABLE (BOLA): any order.
func (s *Shop) getOrderByQuery(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive number")
		return
	}
	s.writeOrder(w, r, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id)
}

// writeOrder answers with the first order query finds, or 404.
func (s *Shop) writeOrder(w http.ResponseWriter, r *http.Request, query string, args ...any) {
	orders, err := s.queryOrders(r.Context(), query, args...)
	switch {
	case err != nil:
		s.leak(w, err, query)
	case len(orders) == 0:
		writeError(w, http.StatusNotFound, "no such order")
	default:
		writeJSON(w, http.StatusOK, orders[0])
	}
}

// userOrders answers GET /users/{id}/orders. VULNERABLE (BOLA): any user's.
func (s *Shop) userOrders(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid user id")
		return
	}
	s.ownerOrders(w, r, id)
}

// ownerOrders answers with the orders of the user id.
func (s *Shop) ownerOrders(w http.ResponseWriter, r *http.Request, id int64) {
	query := `SELECT ` + orderColumns + ` FROM orders WHERE owner_id = ? ORDER BY id`
	orders, err := s.queryOrders(r.Context(), query, id)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

// SubjectHeader is the header the gateway names the caller in (Bulwark's
// default principal header).
const SubjectHeader = "X-Bulwark-Subject"

// myOrders answers GET /me/orders with the orders of the user the gateway
// names in SubjectHeader. VULNERABLE when reached directly: it believes the
// header, whoever set it; the gateway replaces any copy a client sends.
func (s *Shop) myOrders(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.Header.Get(SubjectHeader), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusUnauthorized, "no caller: "+SubjectHeader+" must name a user id")
		return
	}
	s.ownerOrders(w, r, id)
}

// batchOrders answers POST /orders/batch {"ids":[...]}. VULNERABLE (BOLA):
// returns every order asked for, whoever owns it.
func (s *Shop) batchOrders(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs []int64 `json:"ids"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	orders := []order{}
	query := `SELECT ` + orderColumns + ` FROM orders WHERE id = ?`
	for _, id := range req.IDs {
		found, err := s.queryOrders(r.Context(), query, id)
		if err != nil {
			s.leak(w, err, query)
			return
		}
		orders = append(orders, found...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

// orderRequest is the body of POST /orders and PUT /orders/{id}.
type orderRequest struct {
	Items           []orderItem `json:"items"`
	OwnerID         *int64      `json:"owner_id"`
	Status          *string     `json:"status"`
	ShippingAddress *string     `json:"shipping_address"`
}

// errBadItems marks an order request whose items cannot be priced.
var errBadItems = errors.New("bad items")

// priceItems fills in each item's price and returns the order total.
func (s *Shop) priceItems(ctx context.Context, items []orderItem) (int64, error) {
	if len(items) == 0 {
		return 0, fmt.Errorf("%w: an order needs at least one item", errBadItems)
	}
	var total int64
	for i := range items {
		if items[i].Qty <= 0 {
			return 0, fmt.Errorf("%w: qty must be positive", errBadItems)
		}
		err := s.db.QueryRowContext(ctx, `SELECT price_cents FROM products WHERE id = ?`, items[i].ProductID).
			Scan(&items[i].PriceCents)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("%w: no product %d", errBadItems, items[i].ProductID)
		}
		if err != nil {
			return 0, err
		}
		total += items[i].PriceCents * items[i].Qty
	}
	return total, nil
}

// createOrder answers POST /orders: 201, Location and the new order. The
// caller must be known (401 otherwise). VULNERABLE (mass assignment): a
// given owner_id or status is honoured, so orders can be placed for others.
func (s *Shop) createOrder(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.callerID(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "log in first: Authorization: Bearer <token>")
		return
	}
	var req orderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	total, err := s.priceItems(r.Context(), req.Items)
	if err != nil {
		s.badItems(w, err)
		return
	}
	o := order{OwnerID: caller, Status: "pending", Items: req.Items, TotalCents: total,
		CreatedAt: s.now().UTC().Format(time.RFC3339)}
	if req.OwnerID != nil {
		o.OwnerID = *req.OwnerID
	}
	if req.Status != nil {
		o.Status = *req.Status
	}
	if req.ShippingAddress != nil {
		o.ShippingAddress = *req.ShippingAddress
	}
	items, _ := json.Marshal(o.Items) // plain structs always marshal
	query := `INSERT INTO orders (owner_id, status, items, total_cents, shipping_address, created_at) VALUES (?, ?, ?, ?, ?, ?)`
	res, err := s.db.ExecContext(r.Context(), query, o.OwnerID, o.Status, string(items), o.TotalCents, o.ShippingAddress, o.CreatedAt)
	if err == nil {
		o.ID, err = res.LastInsertId()
	}
	if err != nil {
		s.leak(w, err, query)
		return
	}
	w.Header().Set("Location", "/orders/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, o)
}

// badItems answers 400 for errBadItems, and leaks anything else.
func (s *Shop) badItems(w http.ResponseWriter, err error) {
	if errors.Is(err, errBadItems) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.leak(w, err, "")
}

// putOrder answers PUT /orders/{id}, changing the fields given. VULNERABLE
// (BOLA, mass assignment): anyone may change any order, its owner included.
func (s *Shop) putOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid order id")
		return
	}
	var req orderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	var sets []string
	var args []any
	if req.Items != nil {
		total, err := s.priceItems(r.Context(), req.Items)
		if err != nil {
			s.badItems(w, err)
			return
		}
		items, _ := json.Marshal(req.Items) // plain structs always marshal
		sets, args = append(sets, "items = ?", "total_cents = ?"), append(args, string(items), total)
	}
	if req.OwnerID != nil {
		sets, args = append(sets, "owner_id = ?"), append(args, *req.OwnerID)
	}
	if req.Status != nil {
		sets, args = append(sets, "status = ?"), append(args, *req.Status)
	}
	if req.ShippingAddress != nil {
		sets, args = append(sets, "shipping_address = ?"), append(args, *req.ShippingAddress)
	}
	if len(sets) > 0 {
		query := `UPDATE orders SET ` + strings.Join(sets, ", ") + ` WHERE id = ?`
		if _, err := s.db.ExecContext(r.Context(), query, append(args, id)...); err != nil {
			s.leak(w, err, query)
			return
		}
	}
	s.writeOrder(w, r, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id)
}

// deleteOrder answers DELETE /orders/{id} with 204. VULNERABLE (BOLA).
func (s *Shop) deleteOrder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid order id")
		return
	}
	s.deleteByID(w, r, "orders", id)
}
