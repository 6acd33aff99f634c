package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/pager"
)

// TestMain checks that no test leaves a goroutine behind. gocql closes its
// own goroutines asynchronously, so goleak retries for a while before it
// reports. The tests here restart "services" between requests, closing
// sessions quickly, which may leave a heartBeat or a reconnect behind (see
// testutil.IgnoreHeartBeat and testutil.IgnoreRefreshRing).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testutil.IgnoreHeartBeat(), testutil.IgnoreRefreshRing())
}

var testKey = []byte("webpaging test key, 32 bytes....")

// limits are the service's limits in the tests.
var limits = pager.Config{DefaultPageSize: 20, MaxPageSize: 200, MaxOffsetPage: 50, Key: testKey}

// startCluster starts a 3-node cluster with demo rows.
func startCluster(t *testing.T, rows int) (*cqlsim.Cluster, cqlsim.DemoInfo) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cqlsim.Start(ctx, cqlsim.Config{Port: cqlsim.AutoPort, TombstoneBudget: 50})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: rows})
	require.NoError(t, err)
	return c, info
}

// service is one instance of the service: its own session and pager.
type service struct {
	srv     *httptest.Server
	session *gocql.Session
}

func startService(t *testing.T, c *cqlsim.Cluster) *service {
	t.Helper()
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.WriteCoalesceWaitTime = 0
	// One connection per host, made while the session starts: with more,
	// gocql fills the pool in the background, and a session closed at
	// once (as the restarts here do) leaves that goroutine retrying for
	// seconds, which goleak reports.
	cl.NumConns = 1
	s, err := cl.CreateSession()
	require.NoError(t, err)
	p, err := pager.New(s, limits)
	require.NoError(t, err)
	sv := &service{srv: httptest.NewServer(newHandler(p, zap.NewNop())), session: s}
	t.Cleanup(sv.stop)
	return sv
}

func (sv *service) stop() {
	sv.srv.Close()
	sv.session.Close()
}

// body is a decoded answer, success or error.
type body struct {
	Rows  []map[string]any `json:"rows"`
	Page  *int             `json:"page"`
	Next  string           `json:"next"`
	Error string           `json:"error"`
}

func get(t *testing.T, sv *service, path string) (int, body) {
	t.Helper()
	resp, err := http.Get(sv.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b body
	if resp.Header.Get("Content-Type") == "application/json" {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
	}
	return resp.StatusCode, b
}

// key identifies a demo row.
func key(row map[string]any) string {
	return fmt.Sprint(row["tenant"], "/", row["bucket"], "/", row["ts"], "/", row["seq"])
}

// readForward reads /events to the end, restarting the service before
// every request when restart is set, and returns the rows in order.
func readForward(t *testing.T, c *cqlsim.Cluster, size int, restart bool) []map[string]any {
	t.Helper()
	sv := startService(t, c)
	var rows []map[string]any
	cursor := ""
	for {
		if restart {
			sv.stop()
			sv = startService(t, c)
		}
		status, b := get(t, sv, fmt.Sprintf("/events?size=%d&cursor=%s", size, url.QueryEscape(cursor)))
		require.Equal(t, http.StatusOK, status, b.Error)
		rows = append(rows, b.Rows...)
		if b.Next == "" {
			return rows
		}
		cursor = b.Next
	}
}

func TestForwardPagingAcrossRestarts(t *testing.T) {
	c, info := startCluster(t, 1500)
	rows := readForward(t, c, 97, true)
	seen := map[string]bool{}
	for _, r := range rows {
		k := key(r)
		require.False(t, seen[k], "row %s returned twice", k)
		seen[k] = true
	}
	assert.Len(t, rows, int(info.Rows))
	assert.Equal(t, readForward(t, c, 200, false), rows, "the same rows in the same order, whatever the page size")
}

func TestOffsetPages(t *testing.T) {
	c, _ := startCluster(t, 1500)
	full := readForward(t, c, 200, false)
	sv := startService(t, c)
	for _, tc := range []struct{ page, size int }{{0, 10}, {1, 10}, {7, 50}, {50, 29}, {7, 200}, {3, 0}} {
		t.Run(fmt.Sprintf("page %d of %d", tc.page, tc.size), func(t *testing.T) {
			status, b := get(t, sv, fmt.Sprintf("/events/page?page=%d&size=%d", tc.page, tc.size))
			require.Equal(t, http.StatusOK, status, b.Error)
			size := tc.size
			if size == 0 {
				size = limits.DefaultPageSize
			}
			lo, hi := min(tc.page*size, len(full)), min((tc.page+1)*size, len(full))
			assert.Equal(t, full[lo:hi], b.Rows)
			require.NotNil(t, b.Page)
			assert.Equal(t, tc.page, *b.Page)
			if hi < len(full) {
				// The answer's cursor continues forward after the page.
				status, next := get(t, sv, "/events?size=1&cursor="+url.QueryEscape(b.Next))
				require.Equal(t, http.StatusOK, status, next.Error)
				assert.Equal(t, full[hi:hi+1], next.Rows)
			}
		})
	}
}

// flipped returns a cursor with one bit changed.
func flipped(t *testing.T, c string) string {
	b, err := base64.RawURLEncoding.DecodeString(c)
	require.NoError(t, err)
	b[len(b)/2] ^= 1
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestRequestsAreValidated(t *testing.T) {
	c, _ := startCluster(t, 300)
	sv := startService(t, c)
	_, first := get(t, sv, "/events?size=5")
	require.NotEmpty(t, first.Next)
	cursor := url.QueryEscape(first.Next)
	for _, tc := range []struct {
		name, path string
		status     int
		want       string // part of the error message
		rows       int    // for a success
	}{
		{name: "default size", path: "/events", status: 200, rows: 20},
		{name: "size 0 is the default", path: "/events?size=0", status: 200, rows: 20},
		{name: "largest size", path: "/events?size=200", status: 200, rows: 200},
		{name: "size too large", path: "/events?size=201", status: 400, want: "201 is more than the maximum 200"},
		{name: "negative size", path: "/events?size=-1", status: 400, want: "negative"},
		{name: "size not a number", path: "/events?size=ten", status: 400, want: `size "ten" is not an integer`},
		{name: "last page number", path: "/events/page?page=50&size=1", status: 200, rows: 1},
		{name: "page number too large", path: "/events/page?page=51", status: 400, want: "page 51 is beyond the limit of 50"},
		{name: "negative page number", path: "/events/page?page=-1", status: 400, want: "numbered from 0"},
		{name: "page number missing", path: "/events/page", status: 400, want: "page is required"},
		{name: "offset page size too large", path: "/events/page?page=1&size=500", status: 400, want: "maximum 200"},
		{name: "garbage cursor", path: "/events?cursor=%25%25", status: 400, want: "invalid cursor"},
		{name: "tampered cursor", path: "/events?cursor=" + flipped(t, first.Next), status: 400, want: "signature"},
		{name: "cursor with another query", path: "/events?tenant=tenant-1&bucket=0&cursor=" + cursor, status: 400, want: "another statement or other bound values"},
		{name: "cursor, other page size", path: "/events?size=7&cursor=" + cursor, status: 200, rows: 7},
		{name: "half a partition key", path: "/events?tenant=tenant-1", status: 400, want: "tenant and bucket go together"},
		{name: "bucket not a number", path: "/events?tenant=tenant-1&bucket=x", status: 400, want: "not an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := get(t, sv, tc.path)
			require.Equal(t, tc.status, status, b.Error)
			if tc.status != 200 {
				assert.Contains(t, b.Error, tc.want)
				return
			}
			assert.Len(t, b.Rows, tc.rows)
		})
	}
	resp, err := http.Post(sv.srv.URL+"/events", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	var stderr strings.Builder
	code := make(chan int, 1)
	env := func(string) string { return string(testKey) }
	go func() {
		code <- run(ctx, []string{"-addr", "127.0.0.1:0", "-rows", "100"}, env, w, &stderr)
		w.Close()
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var addr string
	select {
	case l := <-lines:
		addr = strings.TrimPrefix(l, "listening on ")
	case <-time.After(20 * time.Second):
		require.FailNow(t, "the service did not start", stderr.String())
	}
	resp, err := http.Get(addr + "/events?size=3")
	require.NoError(t, err)
	var b body
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
	resp.Body.Close()
	assert.Len(t, b.Rows, 3)
	assert.NotEmpty(t, b.Next)
	cancel()
	select {
	case c := <-code:
		assert.Equal(t, 0, c, stderr.String())
	case <-time.After(20 * time.Second):
		require.FailNow(t, "the service did not stop")
	}
}
