package cli_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/simproc"
	"github.com/ringscan/ringscan/internal/testutil"
)

// shapeRow is a row the shaping tests write into qs.t, with its write
// timestamp, TTL and token.
type shapeRow struct {
	k, c, v int32
	kind    string
	ts      int64 // microseconds
	ttl     int32 // seconds; 0 for none
	token   int64
}

// shapeLargeKey is the partition of shapeTable with many rows, which a
// scan may split.
const shapeLargeKey = -1

// shapeSim starts a cluster whose clock stands still (so that ttl() reads
// back exactly the TTL written) and fills qs.t (k int, c int, kind text, v
// int) through gocql: partitions of five rows and one of large rows, each
// row with its own USING TIMESTAMP, a third with a TTL.
func shapeSim(t *testing.T, partitions, large int) (*sim, []shapeRow) {
	t.Helper()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 3, VNodes: 8, Clock: func() time.Time { return now }})
	require.NoError(t, c.ExecDDL(`CREATE KEYSPACE qs WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}`))
	require.NoError(t, c.ExecDDL(`CREATE TABLE qs.t (k int, c int, kind text, v int, PRIMARY KEY (k, c))`))
	s := testutil.Session(t, c)
	kinds := []string{"click", "view", "buy"}
	var rows []shapeRow
	add := func(k, cc int32) {
		r := shapeRow{k: k, c: cc, v: k*10 + cc, kind: kinds[int(uint32(k+cc))%len(kinds)],
			ts: 1_700_000_000_000_000 + int64(k)*1000 + int64(cc), token: partitioner.Murmur3Token(binary.BigEndian.AppendUint32(nil, uint32(k)))}
		if (k+cc)%3 == 0 {
			r.ttl = 3600 + cc
		}
		rows = append(rows, r)
	}
	for k := range int32(partitions) {
		for cc := range int32(5) {
			add(k, cc)
		}
	}
	for cc := range int32(large) {
		add(shapeLargeKey, cc)
	}
	// Written by a few goroutines: thousands of round trips one by one
	// take a while.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range errs {
		wg.Go(func() {
			for i := w; i < len(rows); i += len(errs) {
				r := rows[i]
				stmt, args := `INSERT INTO qs.t (k, c, kind, v) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`, []any{r.k, r.c, r.kind, r.v, r.ts}
				if r.ttl > 0 {
					stmt += ` AND TTL ?`
					args = append(args, r.ttl)
				}
				if err := s.Query(stmt, args...).Exec(); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return &sim{hosts: c.Hosts(), port: c.Port(), c: c}, rows
}

// shapeArgs is a command line against qs.t.
func (s *sim) shapeArgs(cmd string, extra ...string) []string {
	return append([]string{cmd, "--hosts", strings.Join(s.hosts, ","), "--port", strconv.Itoa(s.port), "-k", "qs", "-t", "t"}, extra...)
}

// jsonRow is a JSON line of qs.t, parsed.
type jsonRow struct {
	K    int32  `json:"k"`
	C    int32  `json:"c"`
	Kind string `json:"kind"`
	V    int32  `json:"v"`
}

func parseRow(t *testing.T, line string) jsonRow {
	t.Helper()
	var r jsonRow
	require.NoError(t, json.Unmarshal([]byte(line), &r), line)
	return r
}

func murmur3(k int32) int64 {
	return partitioner.Murmur3Token(binary.BigEndian.AppendUint32(nil, uint32(k)))
}

// inTokens says whether token is in (begin, end], wrapping around the
// ring when begin >= end.
func inTokens(token, begin, end int64) bool {
	if begin < end {
		return token > begin && token <= end
	}
	return token > begin || token <= end
}

// TestShapeFlags runs scan and count with --where, --allow-filtering,
// --begin-token and --end-token (alone, together, with --shard) and
// compares each output, as a multiset, with the rows a plain scan returns
// filtered the same way here; the plain scan is checked against the rows
// written first.
func TestShapeFlags(t *testing.T) {
	t.Parallel()
	s, written := shapeSim(t, 200, 300)
	r := run(t, s.shapeArgs("scan", "--out", "-", "-q", "--page-size", "37")...)
	requireOK(t, r)
	plain := splitLines([]byte(r.stdout))
	var wantAll []string
	for _, w := range written {
		b, err := json.Marshal(jsonRow{K: w.k, C: w.c, Kind: w.kind, V: w.v})
		require.NoError(t, err)
		wantAll = append(wantAll, string(b))
	}
	requireSameRows(t, wantAll, plain)
	filter := func(keep func(jsonRow) bool) []string {
		var out []string
		for _, l := range plain {
			if keep(parseRow(t, l)) {
				out = append(out, l)
			}
		}
		require.NotEmpty(t, out, "the filter keeps some rows")
		require.Less(t, len(out), len(plain), "the filter drops some rows")
		return out
	}
	lo, hi := int64(-1)<<62, int64(1)<<62
	tokens := func(begin, end int64) func(jsonRow) bool {
		return func(r jsonRow) bool { return inTokens(murmur3(r.K), begin, end) }
	}
	str := func(v int64) string { return strconv.FormatInt(v, 10) }
	cases := []struct {
		name   string
		flags  []string
		shards int // run as this many --shard processes and add them up
		keep   func(jsonRow) bool
	}{
		{name: "where on a regular column", flags: []string{"--where", "kind = 'buy'", "--allow-filtering"},
			keep: func(r jsonRow) bool { return r.Kind == "buy" }},
		{name: "where on two columns", flags: []string{"--where", " kind IN ('click', 'view') AND v >= 1000 ", "--allow-filtering"},
			keep: func(r jsonRow) bool { return r.Kind != "buy" && r.V >= 1000 }},
		{name: "where on the clustering column", flags: []string{"--where", "c >= 3", "--allow-filtering"},
			keep: func(r jsonRow) bool { return r.C >= 3 }},
		{name: "tokens inside the ring", flags: []string{"--begin-token", str(lo), "--end-token", str(hi)}, keep: tokens(lo, hi)},
		{name: "tokens around the ring's end", flags: []string{"--begin-token", str(hi), "--end-token", str(lo)}, keep: tokens(hi, lo)},
		{name: "tokens from the start", flags: []string{"--end-token", str(lo)}, keep: tokens(-1<<63, lo)},
		{name: "tokens to the end", flags: []string{"--begin-token", "+" + str(hi)}, keep: tokens(hi, 1<<63-1)},
		{name: "the large partition's token alone", flags: []string{"--begin-token", str(murmur3(shapeLargeKey) - 1), "--end-token", str(murmur3(shapeLargeKey))},
			keep: func(r jsonRow) bool { return r.K == shapeLargeKey }},
		{name: "tokens in shards", flags: []string{"--begin-token", str(hi), "--end-token", str(lo), "--splits", "40"}, shards: 3, keep: tokens(hi, lo)},
		{name: "tokens, where and shards", flags: []string{"--begin-token", str(lo), "--end-token", str(hi), "--where", "kind = 'view'", "--allow-filtering"},
			shards: 2, keep: func(r jsonRow) bool { return tokens(lo, hi)(r) && r.Kind == "view" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := filter(tc.keep)
			shards := max(tc.shards, 1)
			var got []string
			var counted int64
			for i := range shards {
				flags := slices.Clone(tc.flags)
				if shards > 1 {
					flags = append(flags, "--shard", fmt.Sprintf("%d/%d", i, shards))
				}
				r := run(t, s.shapeArgs("scan", append([]string{"--out", "-", "-q", "--page-size", "23", "--concurrency", "6"}, flags...)...)...)
				requireOK(t, r)
				lines := splitLines([]byte(r.stdout))
				if shards > 1 {
					require.NotEmpty(t, lines, "shard %d", i)
				}
				got = append(got, lines...)
				r = run(t, s.shapeArgs("count", append([]string{"-q", "--page-size", "23", "--concurrency", "6"}, flags...)...)...)
				requireOK(t, r)
				n, err := strconv.ParseInt(strings.TrimSpace(r.stdout), 10, 64)
				require.NoError(t, err, r.stdout)
				counted += n
			}
			requireSameRows(t, want, got)
			assert.Equal(t, int64(len(want)), counted, "count")
		})
	}

	t.Run("filtering refused without --allow-filtering", func(t *testing.T) {
		t.Parallel()
		for _, cmd := range [][]string{{"scan", "--out", "-"}, {"count"}} {
			r := run(t, s.shapeArgs(cmd[0], append(cmd[1:], "-q", "--where", "kind = 'buy'")...)...)
			requireOneLineError(t, r, cli.ExitBadInput, `ringscan: the --where condition "kind = 'buy'" needs ALLOW FILTERING`, "set --allow-filtering to scan so (")
			assert.Empty(t, r.stdout, cmd[0])
		}
	})
	t.Run("conditions the table cannot take", func(t *testing.T) {
		t.Parallel()
		// The server's message, in parentheses, is left as it is: "Where"
		// there is a column's name.
		for _, tc := range []struct{ where, server string }{
			{"nope = 1", "nope"},
			{"v = 'text'", "v"},
			{`"Where" = 1`, "Undefined column name Where in table qs.t)"},
		} {
			r := run(t, s.shapeArgs("count", "-q", "--where", tc.where, "--allow-filtering")...)
			requireOneLineError(t, r, cli.ExitBadInput, fmt.Sprintf("ringscan: the --where condition %q does not fit table qs.t (", tc.where), tc.server)
		}
	})
	t.Run("tokens of another partitioner", func(t *testing.T) {
		t.Parallel()
		// RandomPartitioner tokens parse, but this ring is Murmur3's.
		big := new(big.Int).Lsh(big.NewInt(1), 100).String()
		for _, flag := range []string{"--begin-token", "--end-token"} {
			r := run(t, s.shapeArgs("count", "-q", flag, big)...)
			requireOneLineError(t, r, cli.ExitBadInput, fmt.Sprintf("ringscan: %s: invalid token %q for Murmur3Partitioner: want an int64", flag, big))
		}
	})
}

// TestShapeColumns reads writetime() and ttl() columns in every output
// format and compares them with the timestamps and TTLs written.
func TestShapeColumns(t *testing.T) {
	t.Parallel()
	s, written := shapeSim(t, 60, 0)
	type cell struct {
		k, c int32
		ts   int64
		ttl  string // "" for none
	}
	want := testutil.Multiset{}
	for _, w := range written {
		ttl := ""
		if w.ttl > 0 {
			ttl = strconv.Itoa(int(w.ttl))
		}
		want.Add(fmt.Sprint(cell{w.k, w.c, w.ts, ttl}))
	}
	columns := []string{"--columns", "k,c,writetime(v),TTL( kind )"}
	names := []string{"k", "c", "writetime(v)", "ttl(kind)"}

	t.Run("jsonl", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.shapeArgs("scan", append(columns, "--out", "-", "-q")...)...)
		requireOK(t, r)
		got := testutil.Multiset{}
		for _, l := range splitLines([]byte(r.stdout)) {
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(l), &m))
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range m {
					if !yield(k) {
						return
					}
				}
			})
			require.Equal(t, slices.Sorted(slices.Values(names)), keys, l)
			k, _ := strconv.Atoi(string(m["k"]))
			c, _ := strconv.Atoi(string(m["c"]))
			ts, err := strconv.ParseInt(string(m["writetime(v)"]), 10, 64)
			require.NoError(t, err, l)
			ttl := string(m["ttl(kind)"])
			if ttl == "null" {
				ttl = ""
			}
			got.Add(fmt.Sprint(cell{int32(k), int32(c), ts, ttl}))
		}
		assert.Empty(t, want.Diff(got))
	})
	t.Run("csv", func(t *testing.T) {
		t.Parallel()
		r := run(t, s.shapeArgs("scan", append(columns, "--out", "-", "-q", "--format", "csv")...)...)
		requireOK(t, r)
		recs := csvRecords(t, []byte(r.stdout))
		require.NotEmpty(t, recs)
		assert.Equal(t, strings.Join(names, "\x1f"), recs[0], "the header")
		got := testutil.Multiset{}
		for _, rec := range recs[1:] {
			f := strings.Split(rec, "\x1f")
			require.Len(t, f, 4)
			k, _ := strconv.Atoi(f[0])
			c, _ := strconv.Atoi(f[1])
			ts, err := strconv.ParseInt(f[2], 10, 64)
			require.NoError(t, err, rec)
			got.Add(fmt.Sprint(cell{int32(k), int32(c), ts, f[3]}))
		}
		assert.Empty(t, want.Diff(got))
	})
	t.Run("parquet", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		r := run(t, s.shapeArgs("scan", append(columns, "--out", out, "-q", "--format", "parquet")...)...)
		requireOK(t, r)
		got := testutil.Multiset{}
		for _, f := range readDir(t, out) {
			pf, err := parquet.OpenFile(bytes.NewReader(f.data), int64(len(f.data)))
			require.NoError(t, err)
			idx := map[string]int{}
			for _, n := range names {
				leaf, ok := pf.Schema().Lookup(n)
				require.True(t, ok, "column %s in the Parquet schema", n)
				idx[n] = leaf.ColumnIndex
			}
			assert.Equal(t, parquet.Int64, leafType(t, pf, "writetime(v)"))
			assert.Equal(t, parquet.Int32, leafType(t, pf, "ttl(kind)"))
			rows := parquet.NewReader(pf)
			buf := make([]parquet.Row, 64)
			for {
				n, err := rows.ReadRows(buf)
				for _, row := range buf[:n] {
					vals := map[int]parquet.Value{}
					for _, v := range row {
						vals[v.Column()] = v
					}
					ttl := ""
					if v := vals[idx["ttl(kind)"]]; !v.IsNull() {
						ttl = strconv.Itoa(int(v.Int32()))
					}
					got.Add(fmt.Sprint(cell{vals[idx["k"]].Int32(), vals[idx["c"]].Int32(), vals[idx["writetime(v)"]].Int64(), ttl}))
				}
				if err != nil {
					break
				}
			}
			require.NoError(t, rows.Close())
		}
		assert.Empty(t, want.Diff(got))
	})
}

// leafType is the physical type kind of a Parquet column.
func leafType(t *testing.T, pf *parquet.File, name string) parquet.Kind {
	t.Helper()
	leaf, ok := pf.Schema().Lookup(name)
	require.True(t, ok, name)
	return leaf.Node.Type().Kind()
}

// TestShapeBadFlags checks the shaping flags' values that are refused
// before connecting: exit 3 and one line naming the flag and what is
// allowed. The port is closed: a command that tried to connect would fail
// with another message.
func TestShapeBadFlags(t *testing.T) {
	t.Parallel()
	conn := []string{"--hosts", "127.0.0.1", "--port", strconv.Itoa(closedPort(t)), "-k", "ks", "-t", "tbl"}
	cases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{name: "limit", args: []string{"--where", "v > 3 LIMIT 1"}, parts: []string{`invalid --where "v > 3 LIMIT 1"`, "LIMIT is not allowed"}},
		{name: "allow filtering inside", args: []string{"--where", "v > 3 allow filtering"}, parts: []string{`ringscan: invalid --where "v > 3 allow filtering": ALLOW FILTERING is not allowed in the condition: set --allow-filtering instead`}},
		{name: "token relation", args: []string{"--where", "token(k) > 0"}, parts: []string{`ringscan: invalid --where "token(k) > 0": token() is not allowed: --begin-token and --end-token restrict the tokens`}},
		{name: "not UTF-8", args: []string{"--where", "v = '\xff'"}, parts: []string{`ringscan: --where "v = '\xff'" is not valid UTF-8 text`}},
		{name: "two statements", args: []string{"--where", "v = 1; DROP TABLE ks.tbl"}, parts: []string{"invalid --where", "';' is not allowed"}},
		{name: "allow filtering alone", args: []string{"--allow-filtering"}, parts: []string{"--allow-filtering needs --where"}},
		{name: "token text", args: []string{"--begin-token", "start"}, parts: []string{`invalid --begin-token "start"`, "-9223372036854775808..9223372036854775807 (Murmur3Partitioner)", "-1..2^127 (RandomPartitioner)"}},
		{name: "token float", args: []string{"--end-token", "1e5"}, parts: []string{`invalid --end-token "1e5"`, "want an integer token"}},
		{name: "token below every ring", args: []string{"--begin-token", "-9223372036854775809"}, parts: []string{`invalid --begin-token "-9223372036854775809"`}},
		{name: "token above every ring", args: []string{"--end-token", new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1)).String()}, parts: []string{"invalid --end-token"}},
		{name: "empty token range", args: []string{"--begin-token", "5", "--end-token", "05"}, parts: []string{"--begin-token and --end-token are both 5", "holds no token"}},
		{name: "several at once", args: []string{"--begin-token", "x", "--where", "v = ?", "--concurrency", "0"}, parts: []string{"invalid --begin-token", "bind markers", "--concurrency 0"}},
	}
	for _, cmd := range []string{"scan", "count", "ring"} {
		for _, tc := range cases {
			if cmd == "ring" && !strings.Contains(strings.Join(tc.args, " "), "-token") {
				continue // ring takes the token flags only
			}
			t.Run(cmd+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				args := append(append([]string{cmd}, conn...), tc.args...)
				if cmd == "scan" {
					args = append(args, "--out", "-")
				}
				r := run(t, args...)
				if cmd == "ring" && slices.Contains(tc.args, "--where") {
					requireOneLineError(t, r, cli.ExitBadInput, "unknown flag: --where")
					return
				}
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Empty(t, r.stdout)
			})
		}
	}
	t.Run("ring/no where", func(t *testing.T) {
		t.Parallel()
		for _, f := range []string{"--where", "--allow-filtering"} {
			requireOneLineError(t, run(t, append(append([]string{"ring"}, conn...), f)...), cli.ExitBadInput, "unknown flag: "+f)
		}
	})
}

// TestShapeResume kills scans and counts with --where (on a regular
// column, so that the large partition is split, and on the clustering
// column, so that it is not) and token bounds at crash points, resumes
// them, and compares the result with the rows a plain scan returns,
// filtered here. A resume with another --where, ALLOW FILTERING or token
// bounds is refused, leaving the output as it was.
func TestShapeResume(t *testing.T) {
	t.Parallel()
	bin, err := simproc.BinaryWithTags("crashpoints")
	require.NoError(t, err)
	s, _ := shapeSim(t, 300, 1500)
	r := run(t, s.shapeArgs("scan", "--out", "-", "-q")...)
	requireOK(t, r)
	plain := splitLines([]byte(r.stdout))
	lo := int64(-1) << 61
	filter := func(keep func(jsonRow) bool) []string {
		var out []string
		for _, l := range plain {
			if keep(parseRow(t, l)) {
				out = append(out, l)
			}
		}
		return out
	}
	shapes := []struct {
		name  string
		flags []string
		keep  func(jsonRow) bool
	}{
		{name: "where on a regular column", flags: []string{"--where", "kind IN ('buy', 'view')", "--allow-filtering"},
			keep: func(r jsonRow) bool { return r.Kind != "click" }},
		{name: "where on the clustering column and tokens", flags: []string{"--where", "c < 1000", "--allow-filtering", "--begin-token", strconv.FormatInt(lo, 10)},
			keep: func(r jsonRow) bool { return r.C < 1000 && inTokens(murmur3(r.K), lo, 1<<63-1) }},
	}
	kills := []struct {
		point string
		n     int
	}{
		{crashpoint.FirstSave, 1},
		{crashpoint.Page, 7},
		{crashpoint.Committed, 3},
		{crashpoint.Split, 2},
		// A filtered run is a few dozen pages: on an idle machine it ends
		// in fewer than 9 checkpoints of 2ms (the scan failed so in one of
		// 13 runs of the package, with JSON Lines cheaper). Every run
		// renames at least twice (the first save, the last), so that the
		// kill always comes.
		{crashpoint.AfterRename, 2},
	}
	for _, sh := range shapes {
		want := filter(sh.keep)
		require.NotEmpty(t, want)
		require.Less(t, len(want), len(plain))
		for _, k := range kills {
			for _, count := range []bool{false, true} {
				if count && k.point == crashpoint.Committed {
					continue // a count has no sink to commit
				}
				n := k.n
				name := fmt.Sprintf("%s/%s:%d/scan", sh.name, k.point, n)
				if count {
					name = strings.TrimSuffix(name, "scan") + "count"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					dir := t.TempDir()
					out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
					args := func(shape []string, extra ...string) []string {
						flags := []string{"-q", "--checkpoint", ckpt, "--checkpoint-every", "2ms", "--page-size", "40", "--concurrency", "6", "--splits", "1"}
						cmd := "count"
						if !count {
							cmd = "scan"
							flags = append(flags, "--out", out, "--max-rows-per-file", "700")
						}
						return s.shapeArgs(cmd, append(append(flags, shape...), extra...)...)
					}
					r := runBin(t, bin, []string{crashpoint.Env + "=" + k.point + ":" + strconv.Itoa(n)}, args(sh.flags)...)
					if r.code != -1 {
						// A split may never come with the clustering column
						// restricted: the run then finishes.
						require.Equal(t, crashpoint.Split, k.point, "killed at %s:%d; stderr:\n%s", k.point, n, r.stderr)
						requireOK(t, r)
						return
					}
					// Resumed when the checkpoint exists (a kill before the
					// first save leaves none), as the Kubernetes recipe of
					// docs/distributed.md does.
					var resume []string
					if _, err := os.Stat(ckpt); err == nil {
						resume = []string{"--resume"}
						var before map[string]string
						if !count {
							before = dirDigest(t, out)
						}
						// A resume that changes the query is refused,
						// touching nothing.
						for _, change := range []struct{ flag, value, diff string }{
							{"--where", "kind = 'buy'", "the --where condition is"},
							{"--begin-token", "0", "the token range is"},
						} {
							r := runProc(t, nil, args(withFlag(sh.flags, change.flag, change.value), resume...)...)
							requireOneLineError(t, r, cli.ExitBadInput, "cannot resume", change.diff)
							if !count {
								assert.Equal(t, before, dirDigest(t, out), "a refused resume leaves the output as it was")
							}
						}
					} else {
						require.Equal(t, crashpoint.FirstSave, k.point, "no checkpoint after %s:%d", k.point, n)
					}
					r = runProc(t, nil, args(sh.flags, resume...)...)
					requireOK(t, r)
					if count {
						assert.Equal(t, strconv.Itoa(len(want))+"\n", r.stdout)
						return
					}
					files := readDir(t, out)
					requireSameRows(t, want, allLines(files))
					requireManifest(t, out, int64(len(want)), files)
				})
			}
		}
	}
}

// withFlag returns flags with flag's value replaced by value, or with the
// flag added.
func withFlag(flags []string, flag, value string) []string {
	out := slices.Clone(flags)
	if i := slices.Index(out, flag); i >= 0 {
		out[i+1] = value
		return out
	}
	return append(out, flag, value)
}
