package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/internal/simproc"
	"github.com/ringscan/ringscan/scanner"
)

// Environment of the crash-injection suite: the number of kill points
// (default 20, the short profile run by go test) and the seed that chooses
// them (default 1).
const (
	crashPointsEnv = "RINGSCAN_CRASH_POINTS"
	crashSeedEnv   = "RINGSCAN_CRASH_SEED"
)

// crashOutput is one kind of output a crash scenario writes.
type crashOutput struct {
	name  string
	flags []string // added to the scan or count command
	count bool     // a count, not a scan
	// hot reads the hot table read from both ends (its one large
	// partition's uuid clustering has no midpoint), not the demo table.
	hot bool
	// resumeFlags, when set, replace flags in the runs that resume: a
	// checkpoint of one kind of count resumed by the other.
	resumeFlags []string
}

// rows is the number of rows the output's table holds, of the demo
// table's total.
func (o crashOutput) rows(total int64) int64 {
	if o.hot {
		return crashHotRows
	}
	return total
}

// ref names the output's reference rows: its format's, for its table.
func (o crashOutput) ref() string {
	if o.hot {
		return formatOf(o) + "-hot"
	}
	return formatOf(o)
}

var crashOutputs = []crashOutput{
	{name: "jsonl", flags: []string{"--format", "jsonl"}},
	{name: "jsonl+gzip", flags: []string{"--format", "jsonl", "--compress", "gzip"}},
	{name: "jsonl+zstd", flags: []string{"--format", "jsonl", "--compress", "zstd"}},
	{name: "csv", flags: []string{"--format", "csv"}},
	{name: "csv+gzip", flags: []string{"--format", "csv", "--compress", "gzip", "--csv-null", "NULL"}},
	{name: "csv+zstd", flags: []string{"--format", "csv", "--compress", "zstd"}},
	{name: "parquet", flags: []string{"--format", "parquet"}},
	{name: "count", count: true, flags: []string{"--on-server=false"}},
	{name: "count-hot", count: true, hot: true, flags: []string{"-t", cqlsim.HotTable("uuid"), "--on-server=false"}},
	{name: "count-server", count: true, flags: []string{"--on-server"}},
	{name: "count-hot-server", count: true, hot: true, flags: []string{"-t", cqlsim.HotTable("uuid"), "--on-server"}},
	// Paged until killed, resumed on the server (count's default): the
	// resumes meet the splits and pieces the paged runs left.
	{name: "count-paged-then-server", count: true, flags: []string{"--on-server=false"}, resumeFlags: []string{"--on-server"}},
	{name: "jsonl-hot", hot: true, flags: []string{"--format", "jsonl", "-t", cqlsim.HotTable("uuid"), "--page-size", "5"}},
}

// crashHotRows is the number of rows of each hot table of the suite's
// cluster.
const crashHotRows = 2000

// crashKill is one way a run dies: at the Nth hit of a crash point, or
// (point "") killed by the test after a delay. With refuse, the run after
// it finds its checkpoint's paging states refused by the server.
type crashKill struct {
	point  string
	n      int
	after  time.Duration
	refuse bool
}

func (k crashKill) String() string {
	s := fmt.Sprintf("%s:%d", k.point, k.n)
	if k.point == "" {
		s = fmt.Sprintf("SIGKILL after %v", k.after)
	}
	if k.refuse {
		s += "+refused"
	}
	return s
}

// crashPoints are the points scenarios aim at, with the largest N worth
// drawing for each in a run of the suite's table: the edges of a run.
var crashPoints = []struct {
	name string
	max  int
}{
	{crashpoint.FirstSave, 1},
	{crashpoint.Committed, 40},    // between a sink commit and the checkpoint's save
	{crashpoint.BeforeRename, 40}, // the new checkpoint synced, not renamed
	{crashpoint.AfterRename, 40},  // renamed, the directory not synced
	{crashpoint.FileCreated, 8},   // during rotation: a new file with nothing in it
	{crashpoint.FileFinished, 8},  // during rotation: a file completed, the next not made
	{crashpoint.Split, 6},         // after splits exist
	{crashpoint.Page, 150},
	{crashpoint.BeforeManifest, 1}, // near the end
}

// TestCrashInjection kills real ringscan processes with SIGKILL at seeded
// moments (named crash points in a -tags crashpoints build, or a kill from
// outside after a random delay), resumes them as the Kubernetes recipe of
// docs/distributed.md does (--resume when the checkpoint file exists),
// possibly several times in a row, and finally lets one finish. The output
// is then compared with the table as a multiset, in every output format
// and compression, and for count (of the demo table, and of a hot table
// whose large partition is read from both ends). The short profile (20 points) runs in
// go test; RINGSCAN_CRASH_POINTS=200 runs the long one (docs/checkpoint.md).
func TestCrashInjection(t *testing.T) {
	t.Parallel()
	points, seed := 20, uint64(1)
	if v := os.Getenv(crashPointsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, crashPointsEnv)
		points = n
	}
	if v := os.Getenv(crashSeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, crashSeedEnv)
		seed = n
	}
	bin, err := simproc.BinaryWithTags("crashpoints")
	require.NoError(t, err)
	// Few vnodes and one split per vnode range: fewer subranges than
	// goroutines, so that running subranges are split from the start.
	s := startSimProc(t, "--rows", "12000", "--vnodes", "2", "--latency", "200us", "--hot-rows", strconv.Itoa(crashHotRows))
	total := s.info.Rows

	// The references: the table's rows as each format writes them, from a
	// run nothing kills.
	refs := map[string][]string{}
	for _, o := range crashOutputs {
		if _, ok := refs[o.ref()]; ok || o.count {
			continue
		}
		dir := filepath.Join(t.TempDir(), "ref")
		requireOK(t, runBin(t, bin, nil, s.args("scan", append([]string{"--out", dir, "-q"}, o.flags...)...)...))
		refs[o.ref()] = rowsOf(t, dir, formatOf(o))
		require.Len(t, refs[o.ref()], int(o.rows(total)), "reference %s", o.ref())
	}
	require.Equal(t, refs["jsonl"], s.exportJSONLSorted(t), "the jsonl reference is the table")
	hot := s.export(t, scanner.Config{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.HotTable("uuid")}, jsonlSink)
	hotLines := splitLines(hot)
	slices.Sort(hotLines)
	require.Equal(t, refs["jsonl-hot"], hotLines, "the hot jsonl reference is the hot table")

	rng := rand.New(rand.NewPCG(seed, 7))
	killed, points2 := 0, 0
	var broken, refusals atomic.Int64
	for i := range points {
		o := crashOutputs[i%len(crashOutputs)]
		// Every other round of the outputs runs with adaptive per-host
		// limits, which warm hosts up and move pages between replicas.
		adaptive := i/len(crashOutputs)%2 == 1 && !slices.Contains(o.flags, "--on-server") && // which refuses adaptive limits
			!slices.Contains(o.resumeFlags, "--on-server")
		var kills []crashKill
		for range 1 + rng.IntN(3) {
			var k crashKill
			if rng.IntN(5) == 0 {
				k.after = time.Duration(50+rng.IntN(1500)) * time.Millisecond
			} else {
				p := crashPoints[rng.IntN(len(crashPoints))]
				k.point, k.n = p.name, 1+rng.IntN(p.max)
			}
			// A third of the resumes meet a cluster that refuses the
			// paging states saved (an upgrade, another coordinator
			// version): each subrange restarts after its last row.
			k.refuse = rng.IntN(3) == 0
			kills = append(kills, k)
		}
		points2 += len(kills)
		name := fmt.Sprintf("%02d-%s", i, o.name)
		if adaptive {
			name += "+adaptive"
		}
		for _, k := range kills {
			name += "/" + k.String()
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
			// refused is set while the next run resumes from paging
			// states the test broke: it then logs its retries, to show
			// the server refused them.
			refused := false
			breaks := 0 // the checkpoint's breaks so far (breakPageStates)
			args := func() []string {
				cmd := "scan"
				flags := []string{"-q", "--checkpoint", ckpt, "--checkpoint-every", "5ms", "--page-size", "50",
					"--concurrency", "8", "--splits", "1"}
				if o.count {
					cmd = "count"
					flags = append(flags, "--by", "range")
				} else {
					flags = append(flags, "--out", out, "--max-rows-per-file", "1500")
				}
				if adaptive {
					flags = append(flags, "--per-host", "adaptive")
				}
				if refused {
					flags = append(flags, "--log-level", "info")
				}
				// The Kubernetes recipe: resume when the checkpoint exists.
				own := o.flags
				if _, err := os.Stat(ckpt); err == nil {
					flags = append(flags, "--resume")
					if o.resumeFlags != nil {
						own = o.resumeFlags
					}
				}
				return s.args(cmd, append(flags, own...)...)
			}
			for _, k := range kills {
				var env []string
				if k.point != "" {
					env = []string{crashpoint.Env + "=" + k.point + ":" + strconv.Itoa(k.n)}
				}
				startedAt := time.Now()
				p := startBin(t, bin, env, args()...)
				if k.point == "" {
					select {
					case <-p.exited:
					case <-time.After(k.after):
						_ = p.cmd.Process.Signal(syscall.SIGKILL)
					}
				}
				r := p.wait(t)
				t.Logf("run %v: exit %d after %v", k, r.code, time.Since(startedAt))
				if refused && strings.Contains(r.stderr, refusedKind) {
					refusals.Add(1)
				}
				refused = false
				switch {
				case r.code == -1:
					killed++
				case r.code != 0:
					// The checkpoint it refused or failed on, for the
					// diagnosis: a rare failure does not come back on a
					// second run.
					if b, err := os.ReadFile(ckpt); err == nil {
						t.Logf("the checkpoint then:\n%s", b)
					}
					t.Fatalf("run killed at %v exited %d: %s", k, r.code, r.stderr)
				}
				if k.refuse {
					n := breakPageStates(t, ckpt, breaks)
					breaks++
					t.Logf("broke %d paging states of the checkpoint", n)
					refused = n > 0
					broken.Add(int64(n))
				}
			}
			startedAt := time.Now()
			r := runBin(t, bin, nil, args()...)
			t.Logf("final run: exit %d after %v: %s", r.code, time.Since(startedAt), r.stderr)
			requireOK(t, r)
			if refused && strings.Contains(r.stderr, refusedKind) {
				refusals.Add(1)
			}
			rows := o.rows(total)
			if o.count {
				lines := splitLines([]byte(r.stdout))
				require.Equal(t, []string{strconv.FormatInt(rows, 10)}, lines, "the count")
				assert.Equal(t, rows, sumFirst(t, breakdown(t, withoutLogLines(r.stderr), rows, "rows", "range", "start", "end")), "the counts by range")
				return
			}
			files := readDir(t, out)
			requireManifest(t, out, rows, files)
			got := rowsOf(t, out, formatOf(o))
			requireSameRows(t, refs[o.ref()], got)
		})
	}
	t.Logf("%d scenarios, %d kills planned, %d runs died by SIGKILL (the others finished first); %d paging states broken, %d runs saw them refused",
		points, points2, killed, broken.Load(), refusals.Load())
	assert.Positive(t, killed)
	if broken.Load() > 0 {
		assert.Positive(t, refusals.Load(), "a run resumed from broken paging states saw the server refuse them")
	}
}

// logLineRE matches a line of the console log (--log-level info): a
// timestamp, a tab, the level.
var logLineRE = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT[^\t\n]*\t[A-Z]+\t.*\n`)

// withoutLogLines is stderr with its log lines left out: what a count
// prints there besides them.
func withoutLogLines(stderr string) string { return logLineRE.ReplaceAllString(stderr, "") }

// refusedKind is the retry kind the worker logs for a paging state the
// server refused.
const refusedKind = "paging_state_refused"

var (
	pageStateRE = regexp.MustCompile(`"page_state": "([A-Za-z0-9+/=]+)"`)
	checksumRE  = regexp.MustCompile(`"checksum": "[0-9a-f]*"`)
)

// breakPageStates rewrites the checkpoint file at path with every
// cursor's paging state broken, as a cluster that cannot read them sees
// them, and returns how many it broke. The i-th break of a checkpoint
// flips bit i of each state's last byte: a state no run rewrote between
// two breaks stays broken (flipping the same bits twice would mend it).
// cqlsim's states end with their CRC-32, so any change is refused. It re-encodes
// the file as docs/checkpoint.md describes it: the checksum is the SHA-256
// of the compact JSON with the checksum empty. A run that finished first
// left no checkpoint: nothing to break.
func breakPageStates(t *testing.T, path string, i int) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	n := 0
	data = pageStateRE.ReplaceAllFunc(data, func(m []byte) []byte {
		ps, err := base64.StdEncoding.DecodeString(string(pageStateRE.FindSubmatch(m)[1]))
		require.NoError(t, err)
		ps[len(ps)-1] ^= 1 << (i % 8)
		n++
		return fmt.Appendf(nil, `"page_state": %q`, base64.StdEncoding.EncodeToString(ps))
	})
	require.Len(t, checksumRE.FindAll(data, -1), 1, "one checksum in the checkpoint")
	data = checksumRE.ReplaceAll(data, []byte(`"checksum": ""`))
	var plain bytes.Buffer
	require.NoError(t, json.Compact(&plain, data))
	sum := sha256.Sum256(plain.Bytes())
	data = checksumRE.ReplaceAll(data, fmt.Appendf(nil, `"checksum": %q`, hex.EncodeToString(sum[:])))
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return n
}

// formatOf is the format of an output's rows: compression aside.
func formatOf(o crashOutput) string {
	for i, f := range o.flags {
		if f == "--format" {
			if o.flags[i+1] == "csv" && strings.Contains(strings.Join(o.flags, " "), "--csv-null NULL") {
				return "csv-null"
			}
			return o.flags[i+1]
		}
	}
	return "count"
}

// rowsOf reads every row of an output directory, in one canonical text per
// row: JSON lines as they are, CSV records (headers left out), Parquet
// rows as parquet-go prints them.
func rowsOf(t *testing.T, dir, format string) []string {
	t.Helper()
	var rows []string
	for _, f := range readDir(t, dir) {
		switch {
		case strings.HasSuffix(f.name, ".parquet"):
			rows = append(rows, parquetRows(t, filepath.Join(dir, f.name))...)
		case strings.Contains(f.name, ".csv"):
			for _, rec := range csvRecords(t, f.data) {
				if rec != strings.Join(demoColumns, "\x1f") {
					rows = append(rows, rec)
				}
			}
		default:
			rows = append(rows, f.lines...)
		}
	}
	slices.Sort(rows)
	return rows
}

func parquetRows(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err, path)
	r := parquet.NewReader(pf)
	defer r.Close()
	var out []string
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			out = append(out, fmt.Sprint(row))
		}
		if err != nil {
			break
		}
	}
	require.EqualValues(t, pf.NumRows(), len(out), path)
	return out
}

// exportJSONLSorted is the table as JSON lines, sorted.
func (s *sim) exportJSONLSorted(t *testing.T) []string {
	lines := s.exportJSONL(t, scanner.Config{})
	slices.Sort(lines)
	return lines
}

// runBin runs binary bin to completion.
func runBin(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	return startBin(t, bin, env, args...).wait(t)
}
