package demo

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// maxSessions bounds the session table; when it is full the oldest session
// is forgotten.
const maxSessions = 10000

// sessions maps opaque session tokens to user ids.
type sessions struct {
	mu      sync.Mutex
	byToken map[string]int64
	order   []string // tokens, oldest first
	max     int
}

func newSessions(limit int) *sessions {
	return &sessions{byToken: make(map[string]int64), max: limit}
}

// add starts a session for userID and returns its token, 32 random bytes.
func (s *sessions) add(userID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= s.max {
		delete(s.byToken, s.order[0])
		s.order = s.order[1:]
	}
	s.byToken[token] = userID
	s.order = append(s.order, token)
	return token, nil
}

// lookup returns the user id behind token.
func (s *sessions) lookup(token string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byToken[token]
	return id, ok
}
