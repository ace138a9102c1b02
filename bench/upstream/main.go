// Command upstream is the benchmark backend: a small, fast HTTP server with
// no logging. It is intentionally minimal so the measured cost is the proxy's.
//
//	GET  /json        -> ~1 KiB JSON document (precomputed)
//	GET  /.../json    -> the same document for any path ending in /json (the
//	                     /auth/json, /limited/json and /filtered/json routes
//	                     of bench/run.sh)
//	POST /json        -> echoes the request body (max 64 KiB) as application/json
//	GET  /users/{id}  -> small JSON document with the id
//	GET  /health      -> {"status":"ok"}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func buildDoc() []byte {
	type item struct {
		ID    int      `json:"id"`
		Name  string   `json:"name"`
		Email string   `json:"email"`
		Tags  []string `json:"tags"`
	}
	doc := struct {
		Kind  string `json:"kind"`
		Page  int    `json:"page"`
		Items []item `json:"items"`
	}{Kind: "user-list", Page: 1}
	for i := 0; len(doc.Items) < 64; i++ {
		doc.Items = append(doc.Items, item{
			ID: 1000 + i, Name: "user-" + strconv.Itoa(i),
			Email: fmt.Sprintf("user%d@example.com", i), Tags: []string{"a", "b"},
		})
		b, _ := json.Marshal(doc)
		if len(b) >= 1024 {
			break
		}
	}
	b, _ := json.Marshal(doc)
	return b
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18001", "listen address")
	flag.Parse()

	doc := buildDoc()
	docLen := strconv.Itoa(len(doc))
	health := []byte(`{"status":"ok"}`)

	mux := http.NewServeMux()
	getDoc := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", docLen)
		w.Write(doc)
	}
	mux.HandleFunc("GET /json", getDoc)
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"name":"bench"}`, r.PathValue("id"))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(health)
	})

	// GET on any other path ending in /json gets the document too (a mux
	// pattern like /{p}/json would conflict with /users/{id}).
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path != "/json" && strings.HasSuffix(r.URL.Path, "/json") {
			getDoc(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{
		Addr:              *addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	fmt.Fprintf(os.Stderr, "upstream listening on %s (GET /json = %d bytes)\n", *addr, len(doc))
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
}
