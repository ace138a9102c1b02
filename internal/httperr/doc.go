// Package httperr is the leaf every stage shares for denials: the Problem type and
// the one writer that renders it as RFC 9457 problem JSON.
//
// Guards never write error responses themselves; they return a *Problem and the
// gateway renders it once. 5xx problems never carry their cause to the client:
// the cause is kept on the Problem for diagnostic logs only.
package httperr
