package demo

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// searchOrders answers POST /orders/search {"filter": {...}} with the orders
// the Mongo-style filter matches. VULNERABLE (NoSQL injection, BOLA): the
// filter is the client's alone, with no owner condition added, so
// {"status":{"$ne":null}} returns every user's orders.
func (s *Shop) searchOrders(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filter map[string]any `json:"filter"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	query := `SELECT ` + orderColumns + ` FROM orders ORDER BY id`
	all, err := s.queryOrders(r.Context(), query)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	orders := []order{}
	for _, o := range all {
		ok, err := matchFilter(req.Filter, orderDoc(o))
		if err != nil {
			writeError(w, http.StatusBadRequest, "filter: "+err.Error())
			return
		}
		if ok {
			orders = append(orders, o)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

// orderDoc is an order as the filter sees it: JSON-like values, numbers as
// float64 (the way encoding/json decodes the filter's own numbers).
func orderDoc(o order) map[string]any {
	return map[string]any{
		"id":               float64(o.ID),
		"owner_id":         float64(o.OwnerID),
		"status":           o.Status,
		"total_cents":      float64(o.TotalCents),
		"shipping_address": o.ShippingAddress,
		"created_at":       o.CreatedAt,
	}
}

// errOperator reports an operator the filter does not know.
var errOperator = errors.New("unsupported operator")

// matchFilter reports whether doc satisfies every condition of filter. A
// condition is a plain value (equality) or an object of operators: $eq, $ne,
// $gt, $lt, $in, $regex. A missing field counts as null, as in MongoDB.
func matchFilter(filter, doc map[string]any) (bool, error) {
	for _, field := range slices.Sorted(maps.Keys(filter)) {
		if strings.HasPrefix(field, "$") {
			return false, fmt.Errorf("%w %s", errOperator, field)
		}
		ok, err := matchField(doc[field], filter[field])
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// matchField reports whether value satisfies cond.
func matchField(value, cond any) (bool, error) {
	ops, isOps := cond.(map[string]any)
	if !isOps {
		return equal(value, cond), nil
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		ok, err := apply(op, value, ops[op])
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// apply evaluates one operator against value.
func apply(op string, value, arg any) (bool, error) {
	switch op {
	case "$eq":
		return equal(value, arg), nil
	case "$ne":
		return !equal(value, arg), nil
	case "$gt":
		c, ok := compare(value, arg)
		return ok && c > 0, nil
	case "$lt":
		c, ok := compare(value, arg)
		return ok && c < 0, nil
	case "$in":
		list, ok := arg.([]any)
		if !ok {
			return false, errors.New("$in needs an array")
		}
		return slices.ContainsFunc(list, func(v any) bool { return equal(value, v) }), nil
	case "$regex":
		pattern, ok := arg.(string)
		if !ok {
			return false, errors.New("$regex needs a string")
		}
		re, err := regexp.Compile(pattern) // RE2: no catastrophic backtracking
		if err != nil {
			return false, err
		}
		s, ok := value.(string)
		return ok && re.MatchString(s), nil
	}
	return false, fmt.Errorf("%w %s", errOperator, op)
}

// equal compares two JSON-like values of the kinds a filter can hold.
func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && a == s
	case float64:
		f, ok := b.(float64)
		return ok && a == f
	case bool:
		t, ok := b.(bool)
		return ok && a == t
	}
	return false
}

// compare orders two numbers or two strings; ok is false for any other pair.
func compare(a, b any) (c int, ok bool) {
	switch a := a.(type) {
	case float64:
		f, ok := b.(float64)
		if !ok {
			return 0, false
		}
		return cmp.Compare(a, f), true
	case string:
		s, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(a, s), true
	}
	return 0, false
}
