package console

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Audit search bounds.
const (
	auditPage = 50      // rows a search page shows
	maxExport = 100_000 // rows one export holds
)

// formTime is the datetime-local input's layout; its times are UTC.
const formTime = "2006-01-02T15:04"

// auditSearchData is the search page.
type auditSearchData struct {
	Q       url.Values // the filters, as given
	Rows    []store.AuditRow
	Older   string // query of the next page, "" on the last
	Export  string // query of the export links
	Invalid string
}

// auditFilter reads the search form. Bad numbers and times are reported,
// never silently ignored.
func auditFilter(q url.Values) (store.AuditFilter, string) {
	f := store.AuditFilter{API: q.Get("api"), Route: q.Get("route"), Principal: q.Get("principal"),
		Reason: q.Get("reason"), ClientIP: q.Get("client_ip"), Decision: q.Get("decision")}
	if s := q.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return f, "Status takes an HTTP status code, 100 to 599."
		}
		f.Status = n
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, "Bad page."
		}
		f.BeforeID = n
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.ParseInLocation(formTime, s, time.UTC)
			if err != nil {
				return f, "Times take the form 2006-01-02T15:04 (UTC)."
			}
			*p.dst = t
		}
	}
	return f, ""
}

// filterQuery is q without paging.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"since", "until", "api", "route", "principal", "reason", "status", "client_ip", "decision"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

func (c *Console) auditSearch(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "Audit search and export") {
		return
	}
	q := r.URL.Query()
	d := auditSearchData{Q: q, Export: filterQuery(q).Encode()}
	f, bad := auditFilter(q)
	if bad != "" {
		d.Invalid = bad
		c.render(w, r.Request, r.s, http.StatusBadRequest, "audit", page{Title: "Audit", Data: d})
		return
	}
	f.Limit = auditPage
	rows, err := c.d.Store.QueryAudit(r.Context(), f)
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	d.Rows = rows
	if len(rows) == auditPage {
		next := filterQuery(q)
		next.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		d.Older = next.Encode()
	}
	c.render(w, r.Request, r.s, http.StatusOK, "audit", page{Title: "Audit", Data: d})
}

// auditEvent shows one event.
func (c *Console) auditEvent(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "Audit events") {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(w, r.Request, r.s, http.StatusNotFound, "No such event.")
		return
	}
	rows, err := c.d.Store.QueryAudit(r.Context(), store.AuditFilter{BeforeID: id + 1, Limit: 1})
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	if len(rows) == 0 || rows[0].ID != id {
		c.fail(w, r.Request, r.s, http.StatusNotFound, "No such event (it may have been pruned).")
		return
	}
	js, _ := json.MarshalIndent(rows[0], "", "  ")
	c.render(w, r.Request, r.s, http.StatusOK, "event", page{Title: "Audit event", Nav: "audit",
		Data: struct {
			Row  store.AuditRow
			JSON string
		}{rows[0], string(js)}})
}

// auditExport streams the search's rows, newest first, as JSON lines or CSV,
// at most maxExport of them.
func (c *Console) auditExport(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "Audit export") {
		return
	}
	q := r.URL.Query()
	f, bad := auditFilter(q)
	format := q.Get("format")
	if bad != "" || (format != "jsonl" && format != "csv") {
		c.fail(w, r.Request, r.s, http.StatusBadRequest, "Export takes format=jsonl or format=csv and the search's filters.")
		return
	}
	f.Limit = store.MaxAuditLimit
	first, err := c.d.Store.QueryAudit(r.Context(), f)
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	name := "bulwark-audit-" + c.d.Now().UTC().Format("20060102T150405Z") + "." + format
	ctype := "application/x-ndjson"
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	bw := bufio.NewWriter(w)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(bw)
		_ = cw.Write(csvHeader)
	}
	enc := json.NewEncoder(bw)
	n := 0
	for rows := first; len(rows) > 0 && n < maxExport; {
		for _, row := range rows {
			if cw != nil {
				_ = cw.Write(csvRow(row))
			} else {
				_ = enc.Encode(row)
			}
		}
		n += len(rows)
		if len(rows) < f.Limit {
			break
		}
		f.BeforeID = rows[len(rows)-1].ID
		f.Limit = min(store.MaxAuditLimit, maxExport-n)
		if rows, err = c.d.Store.QueryAudit(r.Context(), f); err != nil {
			c.d.Logger.Error("console: export", "error", err)
			break // the file ends short; the status is already sent
		}
	}
	if cw != nil {
		cw.Flush()
	}
	_ = bw.Flush()
}

var csvHeader = []string{"id", "time", "request_id", "api", "route", "method", "path", "client_ip", "principal",
	"decision", "reason", "status", "latency_ms", "upstream", "rule", "object"}

func csvRow(r store.AuditRow) []string {
	e := r.Event
	return []string{strconv.FormatInt(r.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), cell(e.RequestID), cell(e.API),
		cell(e.Route), cell(e.Method), cell(e.Path), cell(e.ClientIP), cell(e.Principal), cell(e.Decision), cell(e.Reason),
		strconv.Itoa(e.Status), strconv.FormatFloat(e.LatencyMS, 'f', -1, 64), cell(e.Upstream), cell(e.Rule), cell(e.Object)}
}

// cell defuses spreadsheet formulas: a value an attacker chose (a path, a
// principal) that starts like a formula is prefixed with an apostrophe
// (OWASP CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
