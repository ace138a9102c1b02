package demo

import (
	"errors"
	"net/http"
)

// crash answers GET /debug/crash by running a query against a table that
// does not exist. VULNERABLE (information disclosure): a debug endpoint left
// on in production, whose 500 shows the SQL, the error, the database name and
// a stack trace.
func (s *Shop) crash(w http.ResponseWriter, r *http.Request) {
	query := `SELECT card_number, cvv FROM payment_cards WHERE user_id = 1`
	rows, err := s.db.QueryContext(r.Context(), query)
	if err == nil {
		rows.Close()
		err = errors.New("crash: the payment_cards table unexpectedly exists")
	}
	s.leak(w, err, query)
}
