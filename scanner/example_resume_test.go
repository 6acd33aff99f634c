package scanner_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

// lineFile is a sink of one's own that writes one line per row to a file
// and takes part in checkpoints (sink.Committer): Commit flushes and
// fsyncs, and reports the file's size; Restore cuts the file back to the
// size of the last commit a checkpoint counts.
type lineFile struct {
	f *os.File
	w *bufio.Writer
}

func (s *lineFile) Write(_ context.Context, b *sink.Batch) error {
	for i := range b.Len() {
		for c := range b.Columns {
			if c > 0 {
				s.w.WriteByte(',')
			}
			s.w.WriteString(hex.EncodeToString(b.Value(i, c)))
		}
		s.w.WriteByte('\n')
	}
	return nil
}

func (s *lineFile) Commit(context.Context) ([]byte, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	if err := s.f.Sync(); err != nil {
		return nil, err
	}
	st, err := s.f.Stat()
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]int64{"bytes": st.Size()})
}

func (s *lineFile) Restore(_ context.Context, state []byte) error {
	var st struct{ Bytes int64 }
	if state != nil {
		if err := json.Unmarshal(state, &st); err != nil {
			return err
		}
	}
	if err := s.f.Truncate(st.Bytes); err != nil {
		return err
	}
	_, err := s.f.Seek(st.Bytes, 0)
	return err
}

func (s *lineFile) Close(context.Context) error { return s.w.Flush() }

// A scan into a sink of one's own, cancelled mid-scan and resumed from its
// checkpoint file: the file ends up with every row exactly once.
func ExampleWithCheckpoint() {
	ctx := context.Background()
	session, info, stop := demoSession(ctx, 20000)
	defer stop()
	dir, err := os.MkdirTemp("", "resume-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	f, err := os.OpenFile(filepath.Join(dir, "rows.txt"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	run := func(ctx context.Context, hooks scanner.Hooks) error {
		// The store locks the checkpoint: one scan at a time.
		store, err := scanner.OpenFileStore(filepath.Join(dir, "scan.ckpt"))
		if err != nil {
			return err
		}
		defer store.Close()
		sc, err := scanner.New(session, scanner.Config{Keyspace: "ringscan_demo", Table: "events", PageSize: 200},
			scanner.WithCheckpoint(store), scanner.WithHooks(hooks))
		if err != nil {
			return err
		}
		_, err = sc.Run(ctx, &lineFile{f: f, w: bufio.NewWriter(f)})
		return err
	}

	// The first run is cancelled (a deploy, a Ctrl-C) after 5000 rows.
	cctx, cancel := context.WithCancel(ctx)
	var rows atomic.Int64
	err = run(cctx, scanner.Hooks{PageWritten: func(_ int, _ scanner.Cursor, n int) {
		if rows.Add(int64(n)) >= 5000 {
			cancel()
		}
	}})
	fmt.Println("first run:", errors.Is(err, context.Canceled))

	// The second run resumes where the checkpoint says, and finishes.
	if err := run(ctx, scanner.Hooks{}); err != nil {
		log.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "rows.txt"))
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	distinct := map[string]bool{}
	for _, l := range lines {
		distinct[l] = true
	}
	fmt.Println("rows in the file:", len(lines), "distinct:", len(distinct), "in the table:", info.Rows)
	// Output:
	// first run: true
	// rows in the file: 20000 distinct: 20000 in the table: 20000
}
