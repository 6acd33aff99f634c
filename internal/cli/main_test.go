package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/internal/simproc"
	"github.com/ringscan/ringscan/internal/testutil"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// TestMain checks that no test leaves a goroutine behind: every command
// run in-process closes its sessions, metrics server and progress display.
// gocql closes its goroutines asynchronously, and a connection pool whose
// dial failed while its session closed sleeps a second before it notices:
// goleak is asked again until those are gone or 10s have passed. A
// control connection's heartBeat is ignored (testutil.IgnoreHeartBeat):
// when gocql's CreateSession fails after its control connection is up, or
// a session is closed at once, Close can run before the heartBeat
// goroutine has started, and that goroutine then runs for ever (gocql
// v2.1.2 controlConn.heartBeat and close). It failed this check once in
// the fourteenth session's CI runs. A session left open still shows in its
// connections' goroutines.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(10 * time.Second)
		err := goleak.Find(testutil.IgnoreHeartBeat())
		for err != nil && time.Now().Before(deadline) {
			err = goleak.Find(testutil.IgnoreHeartBeat()) // retries for a while itself
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// runTimeout bounds every command run by a test, so that a hang fails the
// test instead of the whole package.
const runTimeout = 90 * time.Second

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// command's goroutines and the test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// result is what a command run returned and printed.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the command line in-process with cli.Run.
func run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	return runCtx(ctx, args...)
}

func runCtx(ctx context.Context, args ...string) result {
	var stdout, stderr syncBuffer
	code := cli.Run(ctx, args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// requireOK fails with the command's stderr unless it exited 0.
func requireOK(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, cli.ExitOK, r.code, "stderr:\n%s", r.stderr)
}

// requireOneLineError checks that a command failed with code and printed
// exactly one line on stderr, "ringscan: ...", holding every part.
func requireOneLineError(t *testing.T, r result, code int, parts ...string) {
	t.Helper()
	require.Equal(t, code, r.code, "stderr:\n%s", r.stderr)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	require.Len(t, lines, 1, "want one line on stderr, got:\n%s", r.stderr)
	require.True(t, strings.HasPrefix(lines[0], "ringscan: "), "stderr line %q does not start with \"ringscan: \"", lines[0])
	for _, p := range parts {
		require.Contains(t, lines[0], p)
	}
}

// sim is a cqlsim cluster with the demo table loaded.
type sim struct {
	hosts []string
	port  int
	info  cqlsim.DemoInfo
	c     *cqlsim.Cluster // nil for a child process
}

// startSim starts a cluster on a free port, runs the DDL statements of
// setup, loads the demo data and stops the cluster when the test ends.
func startSim(t *testing.T, cfg cqlsim.Config, demo cqlsim.DemoConfig, setup ...string) *sim {
	t.Helper()
	c := testutil.StartSim(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for _, ddl := range setup {
		require.NoError(t, c.ExecDDL(ddl), ddl)
	}
	info, err := c.LoadDemo(ctx, demo)
	require.NoError(t, err)
	return &sim{hosts: c.Hosts(), port: c.Port(), info: info, c: c}
}

// startSimProc starts "ringscan sim" in a child process with the demo data
// and stops it when the test ends.
func startSimProc(t *testing.T, flags ...string) *sim {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	p, err := simproc.Start(ctx, flags...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop() })
	require.Positive(t, p.Rows, "no demo data: %q", p.Demo)
	return &sim{hosts: p.Hosts, port: p.Port, info: cqlsim.DemoInfo{Keyspace: cqlsim.DemoKeyspace, Table: cqlsim.DemoTable, Rows: p.Rows, Checksum: p.Checksum}}
}

// conn are the flags that point a command at the demo table.
func (s *sim) conn() []string {
	return []string{"--hosts", strings.Join(s.hosts, ","), "--port", strconv.Itoa(s.port), "-k", cqlsim.DemoKeyspace, "-t", cqlsim.DemoTable}
}

// args builds a command line: the command, the connection flags, extra.
func (s *sim) args(cmd string, extra ...string) []string {
	return append(append([]string{cmd}, s.conn()...), extra...)
}

// export reads the table independently of the command line: with the
// library scanner into the sink that mk makes, returning what it wrote. A
// whole demo table's rows are checked against the generator's checksum
// on the way, so that the reference is right.
func (s *sim) export(t *testing.T, cfg scanner.Config, mk func(io.Writer) (sink.Sink, error)) []byte {
	t.Helper()
	cl := gocql.NewCluster(s.hosts...)
	cl.Port = s.port
	cl.Timeout = 30 * time.Second
	cl.ConnectTimeout = 10 * time.Second
	sess, err := cl.CreateSession()
	require.NoError(t, err)
	defer sess.Close()
	if cfg.Keyspace == "" {
		cfg.Keyspace, cfg.Table = cqlsim.DemoKeyspace, cqlsim.DemoTable
	}
	sc, err := scanner.New(sess, cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	sk, err := mk(&buf)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	var sum rowsum.Sum
	tee := sink.SinkFunc(func(ctx context.Context, b *sink.Batch) error {
		vals := make([][]byte, len(b.Columns))
		for i := range b.Len() {
			for c := range vals {
				vals[c] = b.Value(i, c)
			}
			sum.Add(vals)
		}
		return sk.Write(ctx, b)
	})
	_, err = sc.Run(ctx, tee)
	require.NoError(t, err)
	require.NoError(t, sk.Close(ctx))
	if len(cfg.Columns) == 0 && cfg.Keyspace == cqlsim.DemoKeyspace && cfg.Table == cqlsim.DemoTable && s.info.Checksum != 0 {
		require.Equal(t, uint64(s.info.Rows), sum.Rows, "reference export rows")
		require.Equal(t, s.info.Checksum, sum.Hash, "reference export checksum")
	}
	return buf.Bytes()
}

func jsonlSink(w io.Writer) (sink.Sink, error) { return sink.NewJSONLines(w), nil }

// exportJSONL is the table's rows (or the columns of cfg) as JSON lines.
func (s *sim) exportJSONL(t *testing.T, cfg scanner.Config) []string {
	t.Helper()
	lines := splitLines(s.export(t, cfg, jsonlSink))
	require.Len(t, lines, int(s.info.Rows), "reference export")
	return lines
}

// splitLines splits text into lines, without the empty one after the
// last newline.
func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// requireSameRows checks that got holds exactly the lines of want as a
// multiset: none missing, none extra, none duplicated. On failure it shows
// a few differences, instead of diffing huge slices.
func requireSameRows(t *testing.T, want, got []string) {
	t.Helper()
	w, g := testutil.Multiset{}, testutil.Multiset{}
	for _, r := range want {
		w.Add(r)
	}
	for _, r := range got {
		g.Add(r)
	}
	if d := w.Diff(g); d != "" {
		t.Fatalf("rows differ from the table: %s", d)
	}
}

// dirFile is an output file as read back.
type dirFile struct {
	name  string
	data  []byte // decompressed
	lines []string
}

var outputName = regexp.MustCompile(`^[a-z_]+-(\d{6})\.(jsonl|csv|parquet)(\.gz|\.zst)?$`)

// readDir reads every output file of dir, in name order, decompressed. It
// fails on a file that is neither an output file, the manifest nor the
// directory's lock file.
func readDir(t *testing.T, dir string) []dirFile {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []dirFile
	for _, e := range entries {
		if e.Name() == output.ManifestName || e.Name() == output.LockName {
			continue
		}
		require.Regexp(t, outputName, e.Name(), "unexpected file in the output directory")
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		switch {
		case strings.HasSuffix(e.Name(), ".gz"):
			zr, err := gzip.NewReader(bytes.NewReader(data)) // reads every member
			require.NoError(t, err)
			data, err = io.ReadAll(zr)
			require.NoError(t, err, e.Name())
		case strings.HasSuffix(e.Name(), ".zst"):
			zr, err := zstd.NewReader(bytes.NewReader(data))
			require.NoError(t, err)
			data, err = io.ReadAll(zr)
			zr.Close()
			require.NoError(t, err, e.Name())
		}
		out = append(out, dirFile{name: e.Name(), lines: splitLines(data), data: data})
	}
	return out
}

// allLines joins the lines of files.
func allLines(files []dirFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.lines...)
	}
	return out
}

// readManifest reads dir's manifest.json.
func readManifest(t *testing.T, dir string) output.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, output.ManifestName))
	require.NoError(t, err, "manifest.json")
	var m output.Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// requireManifest checks that dir's manifest marks it complete with rows
// rows and describes its files exactly: names, rows and checksums.
func requireManifest(t *testing.T, dir string, rows int64, files []dirFile) output.Manifest {
	t.Helper()
	m := readManifest(t, dir)
	require.True(t, m.Complete)
	require.Equal(t, rows, m.Rows)
	require.Len(t, m.Files, len(files))
	var sum int64
	for i, f := range m.Files {
		require.Equal(t, files[i].name, f.Name)
		sum += f.Rows
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		require.NoError(t, err)
		require.Equal(t, int64(len(data)), f.Bytes, f.Name)
		h := sha256.Sum256(data)
		require.Equal(t, hex.EncodeToString(h[:]), f.SHA256, f.Name)
	}
	require.Equal(t, rows, sum)
	return m
}

// ckptView is what the tests read of a checkpoint.
type ckptView struct {
	cp    *scanner.Checkpoint
	rows  int64
	done  []int         // ids of the subranges done
	files []output.File // the output files committed
	plan  string        // the plan's fingerprint
}

// loadCheckpoint reads a checkpoint file (without taking its lock: the
// process under test holds it), nil while it does not exist yet.
func loadCheckpoint(path string) *ckptView {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	cp := &scanner.Checkpoint{}
	if err := cp.UnmarshalJSON(data); err != nil {
		return nil
	}
	v := &ckptView{cp: cp, rows: cp.Rows(), plan: cp.PlanFingerprint()}
	for _, p := range cp.Progress() {
		if p.Done {
			v.done = append(v.done, p.ID)
		}
	}
	var st struct{ Files []output.File }
	if state := cp.SinkState(); state != nil {
		if err := json.Unmarshal(state, &st); err != nil {
			return nil
		}
	}
	v.files = st.Files
	return v
}

// waitFor polls cond until it holds, failing the test after timeout or when
// stop reports that waiting is pointless (the process being watched
// exited). Polling a file is the only signal a child process gives.
func waitFor(t *testing.T, timeout time.Duration, what string, stop <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		case <-stop:
			if cond() {
				return
			}
			t.Fatalf("process exited while waiting for %s", what)
		case <-tick.C:
		}
	}
}

// proc is the built ringscan binary running as a child process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	exited         chan struct{}
	code           int
}

// startProc runs the built binary with args (and env added to the
// environment) and kills it if the test ends first.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	bin, err := simproc.Binary()
	require.NoError(t, err)
	return startBin(t, bin, env, args...)
}

// startBin runs binary bin with args as startProc does.
func startBin(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.Env = append(os.Environ(), env...)
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// wait waits for the process to exit and returns what it did.
func (p *proc) wait(t *testing.T) result {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(runTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("ringscan %v did not exit within %v; stderr:\n%s", p.cmd.Args[1:], runTimeout, p.stderr.String())
	}
	return result{code: p.code, stdout: p.stdout.String(), stderr: p.stderr.String()}
}

// runProc runs the binary to completion.
func runProc(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return startProc(t, env, args...).wait(t)
}
