package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/ringscan/ringscan/internal/fsutil"
)

// CheckpointStore keeps a scan's checkpoint between runs. Run calls Load
// once at its start and Save from one goroutine at a time; a store needs no
// locking for one scan, but must make Save atomic: after a crash at any
// moment, Load returns either the previous document or the new one, never
// a mix. Save must not keep data after it returns.
type CheckpointStore interface {
	// Load returns the document last saved, or an error wrapping
	// ErrNoCheckpoint when there is none.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the document.
	Save(ctx context.Context, data []byte) error
}

// ErrCheckpointLocked is wrapped by OpenFileStore's error when another
// process holds the checkpoint.
var ErrCheckpointLocked = fsutil.ErrLocked

// FileStore keeps a checkpoint in a file, replaced atomically (a temporary
// file in the same directory, fsynced, renamed over the checkpoint, then
// the directory fsynced), created 0600 since it holds partition key values.
//
// OpenFileStore locks the checkpoint for the store's lifetime (flock on
// "<path>.lock"), so that a second scan of the same checkpoint, in this
// process or another, is refused with ErrCheckpointLocked naming the
// holder; the lock is released by Close or when the process ends, however
// it ends.
type FileStore struct {
	path string
	lock *fsutil.FileLock
}

var _ CheckpointStore = (*FileStore)(nil)

// OpenFileStore opens the checkpoint file path (which need not exist yet)
// and locks it.
func OpenFileStore(path string) (*FileStore, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty checkpoint path", ErrInvalidConfig)
	}
	lock, err := fsutil.Lock(path+".lock", "checkpoint "+path)
	if err != nil {
		return nil, err
	}
	return &FileStore{path: path, lock: lock}, nil
}

// Path returns the checkpoint's path.
func (s *FileStore) Path() string { return s.path }

// Load reads the checkpoint file.
func (s *FileStore) Load(context.Context) ([]byte, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoCheckpoint, s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return data, nil
}

// Save replaces the checkpoint file atomically.
func (s *FileStore) Save(_ context.Context, data []byte) error {
	return fsutil.WriteAtomic(s.path, data, 0o600)
}

// Close releases the lock. Idempotent.
func (s *FileStore) Close() error { return s.lock.Unlock() }

// MemoryStore keeps a checkpoint in memory: for tests, and for programs
// that persist it themselves (Bytes). The zero MemoryStore is empty and
// ready to use.
type MemoryStore struct {
	mu   sync.Mutex
	data []byte
}

var _ CheckpointStore = (*MemoryStore)(nil)

// Load returns the last document saved.
func (m *MemoryStore) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, ErrNoCheckpoint
	}
	return bytes.Clone(m.data), nil
}

// Save keeps a copy of data.
func (m *MemoryStore) Save(_ context.Context, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = bytes.Clone(data)
	return nil
}

// Bytes returns the last document saved, nil if none.
func (m *MemoryStore) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.data)
}

// LoadCheckpoint reads and decodes the checkpoint in store; the error
// wraps ErrNoCheckpoint when there is none, ErrCheckpointCorrupt when it
// cannot be read.
func LoadCheckpoint(ctx context.Context, store CheckpointStore) (*Checkpoint, error) {
	data, err := store.Load(ctx)
	if err != nil {
		return nil, err
	}
	cp := &Checkpoint{}
	if err := cp.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return cp, nil
}
