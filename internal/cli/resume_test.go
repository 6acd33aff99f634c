package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/internal/simproc"
	"github.com/ringscan/ringscan/scanner"
)

// dirDigest is every file of a directory with a hash of its content, to
// check that a refused command left it as it was; lock files, whose
// content only names their last holder, are left out.
func dirDigest(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == output.LockName || strings.HasSuffix(d.Name(), ".lock") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		h := sha256.Sum256(data)
		out[strings.TrimPrefix(path, dir)] = hex.EncodeToString(h[:])
		return nil
	}))
	return out
}

// TestResumeCases covers the windows and misuses of checkpoint/resume one
// by one, each with real processes, comparing the output with the table.
func TestResumeCases(t *testing.T) {
	t.Parallel()
	bin, err := simproc.BinaryWithTags("crashpoints")
	require.NoError(t, err)
	s := startSimProc(t, "--rows", "20000", "--vnodes", "2", "--latency", "500us")
	want := s.exportJSONL(t, scanner.Config{})
	total := s.info.Rows
	scanFlags := func(out, ckpt string, extra ...string) []string {
		return s.args("scan", append([]string{"--out", out, "--checkpoint", ckpt, "-q", "--page-size", "100",
			"--max-rows-per-file", "4000", "--concurrency", "8", "--splits", "1"}, extra...)...)
	}
	// crash runs the command in a crashpoints build that kills itself at
	// the Nth hit of point.
	crash := func(t *testing.T, point string, n int, args ...string) {
		t.Helper()
		r := runBin(t, bin, []string{crashpoint.Env + "=" + point + ":" + strconv.Itoa(n)}, args...)
		require.Equal(t, -1, r.code, "killed at %s:%d; stderr:\n%s", point, n, r.stderr)
	}
	requireComplete := func(t *testing.T, out string) {
		t.Helper()
		files := readDir(t, out)
		requireSameRows(t, want, allLines(files))
		requireManifest(t, out, total, files)
	}

	t.Run("killed before the first periodic save", func(t *testing.T) {
		t.Parallel()
		// The only checkpoint is the one saved before the first row; the
		// kill comes once a data file exists, which it does not list.
		for _, point := range []string{crashpoint.FileCreated, crashpoint.Page} {
			dir := t.TempDir()
			out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
			crash(t, point, 3, scanFlags(out, ckpt, "--checkpoint-every", "1h")...)
			st := loadCheckpoint(ckpt)
			require.NotNil(t, st, "the first checkpoint is saved before any row is read")
			assert.Empty(t, st.files)
			assert.Zero(t, st.rows)
			require.NotEmpty(t, readDir(t, out), "the killed run wrote a data file")
			r := runProc(t, nil, scanFlags(out, ckpt, "--resume")...)
			requireOK(t, r)
			requireComplete(t, out)
		}
	})

	t.Run("resume after split pieces", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
		// Killed at the second page written after the third split: the
		// checkpoint holds pieces, some started.
		crash(t, crashpoint.Split, 3, scanFlags(out, ckpt, "--checkpoint-every", "1ms")...)
		st := loadCheckpoint(ckpt)
		require.NotNil(t, st)
		pieces := 0
		for _, p := range st.cp.Progress() {
			if p.Parent >= 0 {
				pieces++
			}
		}
		require.Positive(t, pieces, "the checkpoint records pieces split off running subranges")
		requireOK(t, runProc(t, nil, scanFlags(out, ckpt, "--resume")...))
		requireComplete(t, out)
	})

	t.Run("two resumes at once", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
		crash(t, crashpoint.Page, 20, scanFlags(out, ckpt, "--checkpoint-every", "1ms")...)
		// The first resume is slowed down, so that the second starts
		// while it runs.
		a := startProc(t, nil, scanFlags(out, ckpt, "--resume", "--rate", "5000")...)
		lock := ckpt + ".lock"
		waitFor(t, 30*time.Second, "the first resume to hold the checkpoint", a.exited, func() bool {
			b, err := os.ReadFile(lock)
			return err == nil && strings.Contains(string(b), fmt.Sprintf("process %d ", a.cmd.Process.Pid))
		})
		r := runProc(t, nil, scanFlags(out, ckpt, "--resume")...)
		requireOneLineError(t, r, cli.ExitBadInput, "checkpoint "+ckpt+" is in use by another process",
			fmt.Sprintf("process %d", a.cmd.Process.Pid))
		// Nor can a fresh scan write into the directory in use.
		r = runProc(t, nil, s.args("scan", "--out", out, "-q", "--overwrite")...)
		requireOneLineError(t, r, cli.ExitBadInput, "output directory "+out+" is in use by another process")
		requireOK(t, a.wait(t))
		requireComplete(t, out)
	})

	t.Run("two fresh scans into one directory", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		a := startProc(t, nil, s.args("scan", "--out", out, "-q", "--rate", "5000")...)
		waitFor(t, 30*time.Second, "the first scan to hold the directory", a.exited, func() bool {
			b, err := os.ReadFile(filepath.Join(out, output.LockName))
			return err == nil && strings.Contains(string(b), fmt.Sprintf("process %d ", a.cmd.Process.Pid))
		})
		r := runProc(t, nil, s.args("scan", "--out", out, "-q")...)
		requireOneLineError(t, r, cli.ExitBadInput, "output directory "+out+" is in use by another process")
		requireOK(t, a.wait(t))
		requireComplete(t, out)
	})

	t.Run("overwrite refused with the output intact", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
		crash(t, crashpoint.Page, 30, scanFlags(out, ckpt, "--checkpoint-every", "1ms")...)
		before := dirDigest(t, dir)
		r := runProc(t, nil, scanFlags(out, ckpt, "--overwrite")...)
		requireOneLineError(t, r, cli.ExitBadInput, ckpt, "already exists", "--resume")
		assert.Equal(t, before, dirDigest(t, dir), "nothing was deleted or changed")
		requireOK(t, runProc(t, nil, scanFlags(out, ckpt, "--resume")...))
		requireComplete(t, out)
	})

	t.Run("changed output options refused", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
		csv := []string{"--format", "csv", "--csv-null", "NULL"}
		crash(t, crashpoint.Page, 30, scanFlags(out, ckpt, append(csv, "--checkpoint-every", "1ms")...)...)
		before := dirDigest(t, dir)
		for _, tc := range []struct {
			flags []string
			parts []string
		}{
			{[]string{"--format", "csv", "--csv-null", ""}, []string{`--csv-null is "NULL" in the checkpoint but "" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--csv-no-header"}, []string{`--csv-no-header is "false" in the checkpoint but "true" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--compress", "gzip"}, []string{`--compress is "none" in the checkpoint but "gzip" now`}},
			{[]string{"--format", "jsonl"}, []string{`--format is "csv" in the checkpoint but "jsonl" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--delimiter", ";"}, []string{`--delimiter is "," in the checkpoint but ";" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--crlf"}, []string{`--crlf is "false" in the checkpoint but "true" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--timestamp-format", "2006-01-02"}, []string{`--timestamp-format is "rfc3339" in the checkpoint but "2006-01-02" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--time-zone", "Europe/Paris"}, []string{`--time-zone is "UTC" in the checkpoint but "Europe/Paris" now`}},
			{[]string{"--format", "csv", "--csv-null", "NULL", "--blob-format", "base64"}, []string{`--blob-format is "hex" in the checkpoint but "base64" now`}},
		} {
			r := runProc(t, nil, scanFlags(out, ckpt, append(tc.flags, "--resume")...)...)
			requireOneLineError(t, r, cli.ExitBadInput, append(tc.parts, "cannot resume from "+ckpt)...)
			assert.Equal(t, before, dirDigest(t, dir), "nothing was changed by %v", tc.flags)
		}
		// The same options, another concurrency and page size: accepted.
		requireOK(t, runProc(t, nil, scanFlags(out, ckpt, append(csv, "--resume", "--concurrency", "3", "--page-size", "777")...)...))
		var recs []string
		for _, f := range readDir(t, out) {
			for _, rec := range csvRecords(t, f.data) {
				if rec != strings.Join(demoColumns, "\x1f") {
					recs = append(recs, rec)
				}
			}
		}
		assert.Len(t, recs, int(total), "every row once")
		assert.Len(t, slices.Compact(slices.Sorted(slices.Values(recs))), int(total), "no row twice")
	})

	// The options of jsonl and parquet outputs are part of the checkpoint
	// too; --format json is jsonl.
	for _, tc := range []struct {
		format  string
		changed [][]string // flags, then the message
		same    []string   // other flags that make the same output
	}{
		{format: "jsonl", changed: [][]string{
			{"--json-numbers-as-strings", `--json-numbers-as-strings is "false" in the checkpoint but "true" now`},
			{"--timestamp-format", "2006-01-02", `--timestamp-format is "rfc3339" in the checkpoint but "2006-01-02" now`},
			{"--time-zone", "Asia/Tokyo", `--time-zone is "UTC" in the checkpoint but "Asia/Tokyo" now`},
			{"--blob-format", "base64", `--blob-format is "hex" in the checkpoint but "base64" now`},
		}, same: []string{"--format", "json", "--time-zone", "UTC"}},
		{format: "parquet", changed: [][]string{
			{"--parquet-uuid", "uuid", `--parquet-uuid is "string" in the checkpoint but "uuid" now`},
			{"--parquet-decimal", "string", `--parquet-decimal is "decimal(38, 18)" in the checkpoint but "string" now`},
			{"--parquet-varint", "decimal(20)", `--parquet-varint is "decimal(38)" in the checkpoint but "decimal(20)" now`},
			{"--parquet-compression", "zstd", `--parquet-compression is "snappy" in the checkpoint but "zstd" now`},
		}, same: []string{"--format", "parquet", "--parquet-compression", "snappy"}},
	} {
		t.Run("changed "+tc.format+" options refused", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
			format := []string{"--format", tc.format}
			crash(t, crashpoint.Page, 30, scanFlags(out, ckpt, append(format, "--checkpoint-every", "1ms")...)...)
			before := dirDigest(t, dir)
			for _, c := range tc.changed {
				flags, msg := c[:len(c)-1], c[len(c)-1]
				r := runProc(t, nil, scanFlags(out, ckpt, append(append(format, flags...), "--resume")...)...)
				requireOneLineError(t, r, cli.ExitBadInput, msg, "cannot resume from "+ckpt)
				assert.Equal(t, before, dirDigest(t, dir), "nothing was changed by %v", flags)
			}
			requireOK(t, runProc(t, nil, scanFlags(out, ckpt, append(tc.same, "--resume")...)...))
			if tc.format == "jsonl" {
				requireComplete(t, out)
			} else {
				assert.Equal(t, total, readManifest(t, out).Rows)
			}
		})
	}

	t.Run("path collisions", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out := filepath.Join(dir, "out")
		f := filepath.Join(dir, "f")
		cases := []struct {
			name  string
			args  []string
			parts []string
		}{
			{"report is the checkpoint", s.args("scan", "--out", out, "--checkpoint", f, "--report", f), []string{"--checkpoint and --report name the same file"}},
			{"report is the checkpoint's lock", s.args("count", "--checkpoint", f, "--report", f+".lock"), []string{"--checkpoint's lock file and --report name the same file"}},
			{"checkpoint inside out", s.args("scan", "--out", out, "--checkpoint", filepath.Join(out, "c.ckpt")), []string{"--checkpoint", "is inside --out", "keep it outside"}},
			{"report inside out", s.args("scan", "--out", out, "--report", filepath.Join(out, "r.json")), []string{"--report", "is inside --out"}},
			{"metrics file inside out", s.args("scan", "--out", out, "--metrics-file", filepath.Join(out, "m.prom")), []string{"--metrics-file", "is inside --out"}},
			{"metrics file is the report", s.args("count", "--report", f, "--metrics-file", f), []string{"--report and --metrics-file name the same file"}},
			{"same file by another path", s.args("count", "--checkpoint", f, "--report", filepath.Join(dir, ".", "x", "..", "f")), []string{"name the same file"}},
		}
		for _, tc := range cases {
			r := run(t, tc.args...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
		}
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "nothing was created")
		_, err = os.Stat(f)
		assert.True(t, os.IsNotExist(err), "nothing was created")
	})

	t.Run("busy metrics address", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
		r := run(t, scanFlags(out, ckpt, "--metrics-addr", ln.Addr().String())...)
		requireOneLineError(t, r, cli.ExitBadInput, "--metrics-addr", ln.Addr().String())
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "no checkpoint, lock or output was created")
	})

	t.Run("files only their owner reads", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt, report := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt"), filepath.Join(dir, "r.json")
		requireOK(t, run(t, scanFlags(out, ckpt, "--report", report)...))
		for _, p := range []string{ckpt, ckpt + ".lock", report} {
			st, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "%s holds partition key values or hosts", p)
		}
	})
}

// TestInterruptWhileConnecting interrupts a scan whose contact point
// accepts connections and never answers: it stops at once with exit 4,
// not after --connect-timeout.
func TestInterruptWhileConnecting(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		p := startProc(t, nil, "count", "--hosts", "127.0.0.1", "--port", port, "-k", "ks", "-t", "t", "--connect-timeout", "60s", "-q")
		select {
		case c := <-accepted:
			defer c.Close()
		case <-time.After(30 * time.Second):
			t.Fatal("the command never connected")
		}
		start := time.Now()
		require.NoError(t, p.cmd.Process.Signal(sig))
		r := p.wait(t)
		assert.Less(t, time.Since(start), 30*time.Second, "it stops without waiting out --connect-timeout")
		requireOneLineError(t, r, cli.ExitInterrupted, "interrupted while connecting")
	}
}

// TestCountToAFullDevice writes a count's total, the ring's plan (as a
// table and as JSON) and the version to /dev/full: each fails with exit 2
// (aborted, not bad input), saying its output could not be written; none
// exits 0 with its output lost.
func TestCountToAFullDevice(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 500})
	bin, err := simproc.Binary()
	require.NoError(t, err)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{s.args("count", "-q"), "its total cannot be written"},
		{s.args("ring"), "write stdout:"},
		{s.args("ring", "--json"), "write stdout:"},
		{[]string{"version"}, "write stdout:"},
	} {
		cmd := exec.Command(bin, tc.args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		err = cmd.Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%v: stderr: %s", tc.args, stderr.String())
		assert.Equal(t, cli.ExitAborted, ee.ExitCode(), "%v", tc.args)
		assert.Contains(t, stderr.String(), tc.want, "%v", tc.args)
	}
}

// TestResumeRefusesTopologyChange resumes a checkpoint on a cluster whose
// nodes and tokens are not the ones it was planned on: refused with exit 3,
// naming what changed, with the output left as it was.
func TestResumeRefusesTopologyChange(t *testing.T) {
	t.Parallel()
	bin, err := simproc.BinaryWithTags("crashpoints")
	require.NoError(t, err)
	a := startSimProc(t, "--rows", "3000", "--seed", "1")
	dir := t.TempDir()
	out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "c.ckpt")
	flags := []string{"--out", out, "--checkpoint", ckpt, "-q", "--page-size", "100", "--checkpoint-every", "1ms"}
	r := runBin(t, bin, []string{crashpoint.Env + "=" + crashpoint.Page + ":5"}, a.args("scan", flags...)...)
	require.Equal(t, -1, r.code, r.stderr)
	before := dirDigest(t, dir)

	// Another cluster: other host ids and tokens (another seed).
	b := startSimProc(t, "--rows", "3000", "--seed", "2", "--nodes", "4")
	r = run(t, b.args("scan", append(flags, "--resume")...)...)
	requireOneLineError(t, r, cli.ExitBadInput, "cannot resume from "+ckpt, "joined", "left")
	assert.Equal(t, before, dirDigest(t, dir), "nothing was changed")
}
