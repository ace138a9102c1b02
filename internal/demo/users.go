package demo

import (
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// user is a user record exactly as the shop returns it. VULNERABLE
// (excessive data exposure): hash, contact details, card, SSN and staff
// notes all go to whoever asks.
type user struct {
	ID            int64  `json:"id"`
	Username      string `json:"username"`
	Role          string `json:"role"`
	IsAdmin       bool   `json:"is_admin"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
	PasswordHash  string `json:"password_hash"`
	InternalNotes string `json:"internal_notes"`
	CardNumber    string `json:"card_number"`
	SSN           string `json:"ssn"`
}

const userColumns = `id, username, role, is_admin, email, phone, password_hash, internal_notes, card_number, ssn`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (user, error) {
	var u user
	err := row.Scan(&u.ID, &u.Username, &u.Role, &u.IsAdmin, &u.Email, &u.Phone,
		&u.PasswordHash, &u.InternalNotes, &u.CardNumber, &u.SSN)
	return u, err
}

// loginRequest is the body of POST /login.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login answers POST /login. VULNERABLE (brute force): nothing counts
// failures, so passwords can be guessed as fast as the network allows.
func (s *Shop) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	var id int64
	var password string
	err := s.db.QueryRowContext(r.Context(), `SELECT id, password FROM users WHERE username = ?`, req.Username).
		Scan(&id, &password)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare([]byte(password), []byte(req.Password)) != 1) {
		writeError(w, http.StatusUnauthorized, "invalid credentials")
		return
	}
	if err != nil {
		s.leak(w, err, "")
		return
	}
	token, err := s.sessions.add(id)
	if err != nil {
		s.leak(w, err, "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "user_id": id})
}

// getUser answers GET /users/{id}. VULNERABLE (BOLA): no ownership check.
func (s *Shop) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid user id")
		return
	}
	s.writeUser(w, r, id)
}

// writeUser answers with user id, or 404.
func (s *Shop) writeUser(w http.ResponseWriter, r *http.Request, id int64) {
	query := `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	u, err := scanUser(s.db.QueryRowContext(r.Context(), query, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "no such user")
	case err != nil:
		s.leak(w, err, query)
	default:
		writeJSON(w, http.StatusOK, u)
	}
}

// userPatch is the body of PATCH /users/{id}: every column may be set.
type userPatch struct {
	Username      *string `json:"username"`
	Password      *string `json:"password"`
	Email         *string `json:"email"`
	Phone         *string `json:"phone"`
	Role          *string `json:"role"`
	IsAdmin       *bool   `json:"is_admin"`
	InternalNotes *string `json:"internal_notes"`
	CardNumber    *string `json:"card_number"`
	SSN           *string `json:"ssn"`
}

// patchUser answers PATCH /users/{id}. VULNERABLE (mass assignment and BOLA):
// anyone may set any field of anyone, role and is_admin included.
func (s *Shop) patchUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid user id")
		return
	}
	var p userPatch
	if err := decodeJSON(w, r, &p); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return
	}
	var sets []string
	var args []any
	set := func(column string, value any) {
		sets = append(sets, column+" = ?")
		args = append(args, value)
	}
	texts := []struct {
		column string
		value  *string
	}{
		{"username", p.Username}, {"password", p.Password}, {"email", p.Email}, {"phone", p.Phone},
		{"role", p.Role}, {"internal_notes", p.InternalNotes}, {"card_number", p.CardNumber}, {"ssn", p.SSN},
	}
	for _, t := range texts {
		if t.value != nil {
			set(t.column, *t.value)
		}
	}
	if p.IsAdmin != nil {
		set("is_admin", *p.IsAdmin)
	}
	if len(sets) > 0 {
		query := `UPDATE users SET ` + strings.Join(sets, ", ") + ` WHERE id = ` + strconv.FormatInt(id, 10)
		if _, err := s.db.ExecContext(r.Context(), query, args...); err != nil {
			s.leak(w, err, query)
			return
		}
	}
	s.writeUser(w, r, id)
}

// adminUsers answers GET /admin/users. VULNERABLE (broken function-level
// authorization): no check that the caller is an admin.
func (s *Shop) adminUsers(w http.ResponseWriter, r *http.Request) {
	query := `SELECT ` + userColumns + ` FROM users ORDER BY id`
	rows, err := s.db.QueryContext(r.Context(), query)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	defer rows.Close()
	users := []user{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			s.leak(w, err, query)
			return
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		s.leak(w, err, query)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

// adminDeleteUser answers DELETE /admin/users/{id}. VULNERABLE: no admin check.
func (s *Shop) adminDeleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid user id")
		return
	}
	s.deleteByID(w, r, "users", id)
}

// deleteByID deletes row id of table and answers 204, or 404 if there was none.
func (s *Shop) deleteByID(w http.ResponseWriter, r *http.Request, table string, id int64) {
	query := `DELETE FROM ` + table + ` WHERE id = ?`
	res, err := s.db.ExecContext(r.Context(), query, id)
	if err != nil {
		s.leak(w, err, query)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
