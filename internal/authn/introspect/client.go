package introspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// maxResponseSize bounds the introspection response we read.
const maxResponseSize = 1 << 20

// introspect asks the authorization server about token and returns the outcome
// and when its cache entry ends (zero: do not cache, for errors that say nothing
// about the token).
func (a *Authenticator) introspect(ctx context.Context, key tokenKey, token string) (result, time.Time) {
	claims, err := a.fetch(ctx, token)
	if err != nil {
		// Never a principal: the chain answers 503. The error carries no
		// token; the first failure of an outage is logged, the rest counted.
		failures.Add(a.cfg.Name)
		a.outage.Fail(ctx, err)
		return result{err: fmt.Errorf("introspect %q: %w", a.cfg.Name, err)}, time.Time{}
	}
	a.outage.OK(ctx)
	log := a.logger.With("credential_id", key.credentialID())
	now := a.cfg.Now()
	p, fail := a.toPrincipal(claims, key, now)
	if fail != nil {
		log.InfoContext(ctx, "token refused", "reason", fail.Reason)
		return result{err: fail}, now.Add(min(a.cfg.CacheTTL, negativeTTL))
	}
	expires := now.Add(a.cfg.CacheTTL)
	if !p.ExpiresAt.IsZero() && p.ExpiresAt.Before(expires) {
		expires = p.ExpiresAt // an entry never outlives the token
	}
	log.DebugContext(ctx, "token introspected", "subject", p.Subject, "consumer", p.Consumer)
	return result{p: p}, expires
}

// fetch sends the RFC 7662 §2.1 request and returns the decoded response object.
// Any answer other than 200 application/json with a boolean "active" is an error.
func (a *Authenticator) fetch(ctx context.Context, token string) (map[string]any, error) {
	req, err := a.newRequest(ctx, token)
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // keep the connection reusable
		return nil, fmt.Errorf("endpoint answered %d", resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, fmt.Errorf("endpoint answered content type %q, want application/json",
			resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponseSize {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponseSize)
	}
	return decodeResponse(body)
}

// newRequest builds the form POST with the token and the client authentication.
func (a *Authenticator) newRequest(ctx context.Context, token string) (*http.Request, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	if a.cfg.AuthMethod == AuthMethodPost {
		form.Set("client_id", a.cfg.ClientID)
		form.Set("client_secret", a.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if a.basic != "" {
		req.Header.Set("Authorization", a.basic)
	}
	return req, nil
}

// decodeResponse parses one JSON object with a boolean "active" member.
func decodeResponse(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode response: data after the JSON object")
	}
	if m == nil {
		return nil, errors.New("decode response: not a JSON object")
	}
	if _, ok := m["active"].(bool); !ok {
		return nil, errors.New(`response has no boolean "active"`)
	}
	return m, nil
}

// inactive is the refusal of a token the authorization server says is not active
// (unknown, revoked, expired or not meant for us: RFC 7662 §2.2 does not say which).
func inactive() *authn.Failure {
	return authn.Fail(authn.ReasonInactive, "The access token is not active.", nil)
}
