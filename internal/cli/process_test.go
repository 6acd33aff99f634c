package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/scanner"
)

// TestProcesses runs the built ringscan binary in child processes against
// a "ringscan sim" child holding 200,000 demo rows: scans and counts
// killed with SIGKILL or interrupted with SIGINT, then resumed, and three
// shard processes at once. Every output is compared with the table as a
// multiset of rows.
func TestProcesses(t *testing.T) {
	t.Parallel()
	s := startSimProc(t, "--rows", "200000", "--latency", "2ms")
	want := s.exportJSONL(t, scanner.Config{})
	total := s.info.Rows
	// The first run of a killed scan is throttled so that it is surely
	// killed in the middle; its resumption is not (the ceiling is not part
	// of the scan's identity).
	const rate = "50000"

	// waitProgress waits until the checkpoint shows a scan under way:
	// more than min rows written, some ranges done, not finished.
	waitProgress := func(t *testing.T, p *proc, ckpt string, min int64) {
		t.Helper()
		waitFor(t, 60*time.Second, "checkpointed progress", p.exited, func() bool {
			st := loadCheckpoint(ckpt)
			if st == nil {
				return false
			}
			return st.rows > min && st.rows < total && len(st.done) > 0
		})
	}
	// requireResumedScan checks a resumed scan's output: every row once,
	// files full up to the last, the manifest complete.
	requireResumedScan := func(t *testing.T, out, ckpt string, maxRows int) {
		t.Helper()
		files := readDir(t, out)
		requireSameRows(t, want, allLines(files))
		for i, f := range files {
			if i < len(files)-1 {
				assert.Len(t, f.lines, maxRows, "%s: a resumed file is filled up before the next starts", f.name)
			}
		}
		requireManifest(t, out, total, files)
		st := loadCheckpoint(ckpt)
		require.NotNil(t, st)
		assert.Equal(t, total, st.rows, "final checkpoint")
	}

	t.Run("scan killed and resumed", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "scan.ckpt")
		flags := []string{"--out", out, "--checkpoint", ckpt, "--checkpoint-every", "100ms",
			"--max-rows-per-file", "30000", "--compress", "gzip", "-q"}
		p := startProc(t, nil, s.args("scan", append(slices.Clone(flags), "--rate", rate)...)...)
		// Past the first file, so that the resumption continues a file.
		waitProgress(t, p, ckpt, 35000)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		r := p.wait(t)
		require.Equal(t, -1, r.code, "killed by a signal; stderr:\n%s", r.stderr)
		_, err := os.Stat(filepath.Join(out, output.ManifestName))
		require.True(t, os.IsNotExist(err), "no manifest in an unfinished output")

		r = runProc(t, nil, s.args("scan", append(flags, "--resume")...)...)
		requireOK(t, r)
		assert.Empty(t, r.stdout)
		requireResumedScan(t, out, ckpt, 30000)
	})

	t.Run("count killed and resumed", func(t *testing.T) {
		t.Parallel()
		ckpt := filepath.Join(t.TempDir(), "count.ckpt")
		flags := []string{"--checkpoint", ckpt, "--checkpoint-every", "100ms", "-q"}
		p := startProc(t, nil, s.args("count", append(slices.Clone(flags), "--rate", rate)...)...)
		waitProgress(t, p, ckpt, 0)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		r := p.wait(t)
		require.Equal(t, -1, r.code, "killed by a signal; stderr:\n%s", r.stderr)
		assert.Empty(t, r.stdout, "no total from a killed count")

		r = runProc(t, nil, s.args("count", append(flags, "--resume", "--by", "range")...)...)
		requireOK(t, r)
		assert.Equal(t, strconv.FormatInt(total, 10)+"\n", r.stdout)
		assert.Equal(t, total, sumFirst(t, breakdown(t, r.stderr, total, "rows", "range", "start", "end")))
	})

	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run("scan interrupted and resumed/"+sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, ckpt := filepath.Join(dir, "out"), filepath.Join(dir, "scan.ckpt")
			// The periodic checkpoints show the scan under way; the one that
			// counts is written on the signal.
			flags := []string{"--out", out, "--checkpoint", ckpt, "--max-rows-per-file", "25000", "--compress", "zstd", "-q"}
			p := startProc(t, nil, s.args("scan", append(slices.Clone(flags), "--rate", rate, "--checkpoint-every", "100ms")...)...)
			waitProgress(t, p, ckpt, 30000)
			require.NoError(t, p.cmd.Process.Signal(sig))
			r := p.wait(t)
			require.Equal(t, cli.ExitInterrupted, r.code, r.stderr)
			assert.Regexp(t, `^ringscan: interrupted: `, r.stderr)
			assert.Contains(t, r.stderr, "checkpoint saved to "+ckpt+"; rerun the same command with --resume", "how to go on")
			// The checkpoint written on the way out accounts for exactly
			// what the files hold.
			st := loadCheckpoint(ckpt)
			require.NotNil(t, st)
			rows, files := st.rows, st.files
			require.Less(t, rows, total)
			var inFiles int64
			for _, f := range files {
				info, err := os.Stat(filepath.Join(out, f.Name))
				require.NoError(t, err)
				assert.Equal(t, f.Bytes, info.Size(), f.Name)
				inFiles += f.Rows
			}
			assert.Equal(t, rows, inFiles)
			assert.Equal(t, rows, int64(len(allLines(readDir(t, out)))))
			_, err := os.Stat(filepath.Join(out, output.ManifestName))
			require.True(t, os.IsNotExist(err), "no manifest in an unfinished output")

			r = runProc(t, nil, s.args("scan", append(flags, "--resume")...)...)
			requireOK(t, r)
			requireResumedScan(t, out, ckpt, 25000)
		})
	}

	t.Run("three shards at once", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		procs := make([]*proc, 3)
		for i := range procs {
			procs[i] = startProc(t, nil, s.args("scan", "--shard", fmt.Sprintf("%d/3", i),
				"--out", filepath.Join(dir, strconv.Itoa(i)), "--checkpoint", filepath.Join(dir, strconv.Itoa(i)+".ckpt"),
				"--max-rows-per-file", "30000", "--compress", "gzip", "-q")...)
		}
		var union []string
		var rows int64
		for i, p := range procs {
			requireOK(t, p.wait(t))
			out := filepath.Join(dir, strconv.Itoa(i))
			files := readDir(t, out)
			lines := allLines(files)
			require.NotEmpty(t, lines, "shard %d", i)
			m := requireManifest(t, out, int64(len(lines)), files)
			assert.Equal(t, fmt.Sprintf("%d/3", i), m.Shard)
			rows += m.Rows
			union = append(union, lines...)
		}
		assert.Equal(t, total, rows)
		requireSameRows(t, want, union)
	})
}
