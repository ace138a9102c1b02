package waf

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"
	"github.com/corazawaf/coraza/v3/types/variables"
)

// Verdict is the WAF's decision on one request.
type Verdict struct {
	// Blocked is true when Coraza interrupted the transaction.
	Blocked bool
	// Status is the HTTP status the interruption asks for: 403 for a CRS anomaly block,
	// 400 for a body that does not parse or too many arguments, 413 for a body over
	// Config.BodyLimit. A status outside 400–599 (a redirect action) is reported as 403.
	// Zero when not blocked.
	Status int
	// RuleIDs are the ids of the matched rules that contributed (detection rules and
	// rules that deny on their own; not CRS bookkeeping), in evaluation order, at most 16.
	RuleIDs []int
	// Score is the CRS inbound anomaly score at the blocking paranoia level.
	Score int
}

// Check evaluates the request line, headers and body against the rules (phases 1 and 2;
// responses are not inspected). body is the buffered request body, nil when there is
// none; r.Body is not read. The client address is r.RemoteAddr and the server address
// the connection's local address (http.LocalAddrContextKey) when present.
//
// An error means Coraza could not evaluate the request; the caller must then refuse it
// (fail closed). The Verdict returned with an error is meaningless.
func (w *WAF) Check(r *http.Request, body []byte) (v Verdict, err error) {
	if r == nil {
		return Verdict{}, errors.New("waf: nil request")
	}
	tx := w.newTransaction(r)
	defer func() {
		// A panic inside the rule engine on crafted input must deny the request, not
		// take the gateway down.
		if p := recover(); p != nil {
			err = errors.Join(err, fmt.Errorf("waf: coraza panic: %v", p))
		}
		tx.ProcessLogging()
		if cerr := tx.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("waf: close transaction: %w", cerr))
		}
	}()
	it, err := evaluate(tx, r, body)
	if err != nil {
		return Verdict{}, err
	}
	return verdict(tx, it), nil
}

func (w *WAF) newTransaction(r *http.Request) types.Transaction {
	if ow, ok := w.waf.(experimental.WAFWithOptions); ok {
		return ow.NewTransactionWithOptions(experimental.Options{Context: r.Context()})
	}
	return w.waf.NewTransaction()
}

// evaluate feeds the request to tx and runs phases 1 and 2, stopping at the first
// interruption.
func evaluate(tx types.Transaction, r *http.Request, body []byte) (*types.Interruption, error) {
	client, cport := splitAddr(r.RemoteAddr)
	var server string
	var sport int
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && a != nil {
		server, sport = splitAddr(a.String())
	}
	tx.ProcessConnection(client, cport, server, sport)
	tx.ProcessURI(requestURI(r), r.Method, r.Proto)
	addHeaders(tx, r)
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it, nil
	}
	if len(body) > 0 && tx.IsRequestBodyAccessible() {
		it, _, err := tx.WriteRequestBody(body)
		if err != nil {
			return nil, fmt.Errorf("waf: write request body: %w", err)
		}
		if it != nil {
			return it, nil
		}
	}
	// Phase 2 runs even without a body: CRS decides to block there.
	it, err := tx.ProcessRequestBody()
	if err != nil {
		return nil, fmt.Errorf("waf: process request body: %w", err)
	}
	return it, nil
}

// requestURI is the request target as the client sent it, so CRS sees the raw
// encoding; a request built in code (no RequestURI) falls back to its URL.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	if r.URL != nil {
		return r.URL.RequestURI()
	}
	return "/"
}

// addHeaders gives Coraza every header in a fixed order, plus the two net/http
// lifts out of Header: Host and Transfer-Encoding (CRS checks both).
func addHeaders(tx types.Transaction, r *http.Request) {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	if host != "" {
		tx.AddRequestHeader("Host", host)
		name := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		tx.SetServerName(name)
	}
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			tx.AddRequestHeader(k, v)
		}
	}
	for _, te := range r.TransferEncoding {
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
}

// splitAddr splits "host:port" (IPv6 in brackets); an address without a port is
// returned whole with port 0.
func splitAddr(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

// verdict reads the decision, the contributing rules and the score from a finished
// transaction.
func verdict(tx types.Transaction, it *types.Interruption) Verdict {
	v := Verdict{RuleIDs: contributing(tx.MatchedRules()), Score: inboundScore(tx)}
	if it != nil {
		v.Blocked = true
		v.Status = it.Status
		if v.Status < 400 || v.Status > 599 {
			v.Status = http.StatusForbidden
		}
	}
	return v
}

// contributing keeps the matched rules that carry a message (CRS detection rules and
// deny rules), leaving out silent bookkeeping, CRS setup (900xxx, 901xxx) and the
// blocking evaluation (949xxx) that only sums the others.
func contributing(matched []types.MatchedRule) []int {
	var ids []int
	for _, m := range matched {
		id := m.Rule().ID()
		if m.Message() == "" || crsSetup(id) || crsEvaluation(id) || slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		if len(ids) == maxRuleIDs {
			break
		}
	}
	return ids
}

// collectionReader is implemented by Coraza's transaction (plugintypes.TransactionState);
// it exposes the TX collection in which CRS keeps its scores.
type collectionReader interface {
	Collection(idx variables.RuleVariable) collection.Collection
}

// inboundScore reads tx.blocking_inbound_anomaly_score, 0 when it cannot be read.
func inboundScore(tx types.Transaction) int {
	cr, ok := tx.(collectionReader)
	if !ok {
		return 0
	}
	m, ok := cr.Collection(variables.TX).(collection.Keyed)
	if !ok {
		return 0
	}
	vals := m.Get("blocking_inbound_anomaly_score")
	if len(vals) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(vals[0])
	return n
}
