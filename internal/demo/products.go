package demo

import (
	"database/sql"
	"errors"
	"net/http"
)

// product is one item of the catalogue.
type product struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	PriceCents  int64  `json:"price_cents"`
	Stock       int64  `json:"stock"`
}

const productColumns = `id, name, description, category, price_cents, stock`

func scanProduct(row scanner) (product, error) {
	var p product
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &p.PriceCents, &p.Stock)
	return p, err
}

// listProducts answers GET /products.
func (s *Shop) listProducts(w http.ResponseWriter, r *http.Request) {
	query := `SELECT ` + productColumns + ` FROM products ORDER BY id`
	rows, err := s.db.QueryContext(r.Context(), query)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	defer rows.Close()
	products := []product{}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			s.leak(w, err, query)
			return
		}
		products = append(products, p)
	}
	if err := rows.Err(); err != nil {
		s.leak(w, err, query)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": products})
}

// getProduct answers GET /products/{id}.
func (s *Shop) getProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid product id")
		return
	}
	query := `SELECT ` + productColumns + ` FROM products WHERE id = ?`
	p, err := scanProduct(s.db.QueryRowContext(r.Context(), query, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "no such product")
	case err != nil:
		s.leak(w, err, query)
	default:
		writeJSON(w, http.StatusOK, p)
	}
}

// search answers GET /search?q= with the products whose name contains q.
// VULNERABLE (SQL injection): q is pasted into the SQL text, so
// "' OR 1=1 --" returns every product and
// "' UNION SELECT id, username, password_hash, 0 FROM users --" reads users.
// Rows are returned column by column, whatever the query selected.
func (s *Shop) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	query := "SELECT id, name, description, price_cents FROM products WHERE name LIKE '%" + q + "%' ORDER BY id"
	results, err := s.rawRows(r, query)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"query": q, "results": results})
}

// rawRows runs query and returns each row as a column-name → value object.
func (s *Shop) rawRows(r *http.Request, query string) ([]map[string]any, error) {
	rows, err := s.db.QueryContext(r.Context(), query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	results := []map[string]any{}
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(columns))
		for i, column := range columns {
			if b, ok := values[i].([]byte); ok {
				values[i] = string(b)
			}
			row[column] = values[i]
		}
		results = append(results, row)
	}
	return results, rows.Err()
}
