package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/ringscan/ringscan/pager"
)

// columns are the demo table's columns the service returns.
const columns = `tenant, bucket, ts, seq, kind, score, amount`

// response is the body of a successful request.
type response struct {
	Rows []map[string]any `json:"rows"`
	// Page is the page number, on /events/page.
	Page *int `json:"page,omitempty"`
	// Next is the cursor of the following page for /events (with the same
	// tenant and bucket); absent at the end.
	Next pager.Cursor `json:"next,omitempty"`
}

// errorResponse is the body of a failed request.
type errorResponse struct {
	Error string `json:"error"`
}

// server serves the demo table over HTTP:
//
//	GET /events?cursor=&size=[&tenant=&bucket=]   forward pages with cursors
//	GET /events/page?page=&size=[&tenant=&bucket=] numbered (offset) pages
//
// The limits are the Pager's: Config.MaxPageSize for size and
// Config.MaxOffsetPage for page; a request beyond them gets 400 with the
// reason. It holds no state between requests: any instance with the same
// cursor key serves any cursor.
type server struct {
	p   *pager.Pager
	log *zap.Logger
}

func newHandler(p *pager.Pager, log *zap.Logger) http.Handler {
	s := &server{p: p, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /events/page", s.page)
	return mux
}

// badRequest is a client error: its message is safe to show.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// query builds the statement: the whole table, or one partition when
// tenant and bucket are given.
func query(r *http.Request) (string, []any, error) {
	q := r.URL.Query()
	tenant, bucket := q.Get("tenant"), q.Get("bucket")
	switch {
	case tenant == "" && bucket == "":
		return `SELECT ` + columns + ` FROM ringscan_demo.events`, nil, nil
	case tenant == "" || bucket == "":
		return "", nil, &badRequest{"tenant and bucket go together"}
	}
	b, err := strconv.Atoi(bucket)
	if err != nil {
		return "", nil, &badRequest{fmt.Sprintf("bucket %q is not an integer", bucket)}
	}
	return `SELECT ` + columns + ` FROM ringscan_demo.events WHERE tenant = ? AND bucket = ?`, []any{tenant, b}, nil
}

// intParam parses an optional integer parameter (def when absent).
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &badRequest{fmt.Sprintf("%s %q is not an integer", name, v)}
	}
	return n, nil
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	stmt, values, err := query(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	size, err := intParam(r, "size", 0) // 0: the pager's default
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.p.Fetch(r.Context(), stmt, values, pager.Cursor(r.URL.Query().Get("cursor")), size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, r, pg, nil)
}

func (s *server) page(w http.ResponseWriter, r *http.Request) {
	stmt, values, err := query(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	size, err := intParam(r, "size", 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("page") == "" {
		s.fail(w, r, &badRequest{"page is required (pages are numbered from 0)"})
		return
	}
	n, err := intParam(r, "page", 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.p.OffsetPage(r.Context(), stmt, values, n, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.reply(w, r, pg, &n)
}

func (s *server) reply(w http.ResponseWriter, r *http.Request, pg pager.Page, n *int) {
	resp := response{Rows: make([]map[string]any, 0, len(pg.Rows)), Page: n, Next: pg.Next}
	for _, row := range pg.Rows {
		m, err := row.Map()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		resp.Rows = append(resp.Rows, m)
	}
	writeJSON(w, http.StatusOK, resp)
}

// fail answers 400 with the reason for the client's mistakes (bad
// parameters, limits, cursors), and 500 without details for the rest.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br *badRequest
	switch {
	case errors.As(err, &br),
		errors.Is(err, pager.ErrInvalidPageSize),
		errors.Is(err, pager.ErrPageLimit),
		errors.Is(err, pager.ErrInvalidCursor):
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: err.Error()})
	case errors.Is(err, pager.ErrPagingStateRefused):
		writeJSON(w, http.StatusGone, errorResponse{Error: "the cursor can no longer be used; start again without one"})
	case errors.Is(err, context.Canceled):
		// The client went away: nobody to answer.
	default:
		s.log.Error("request failed", zap.String("url", r.URL.String()), zap.Error(err))
		writeJSON(w, http.StatusInternalServerError, errorResponse{Error: "internal error"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}
