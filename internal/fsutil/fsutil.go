package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/ringscan/ringscan/internal/crashpoint"
)

// TempPrefix starts the names of WriteAtomic's temporary files, after a
// dot: ".<name>.tmp-<random>".
const tempInfix = ".tmp-"

// IsTemp reports whether name is one of WriteAtomic's temporary files.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempInfix)
}

// WriteAtomic replaces path with data: a temporary file in the same
// directory, created with perm (less the umask), written, fsynced, renamed
// over path; then the directory is fsynced.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := filepath.Join(dir, "."+filepath.Base(path)+tempInfix+hex.EncodeToString(rnd[:]))
	tmp, err := os.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmpName) // after a successful rename this is a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	crashpoint.Hit(crashpoint.BeforeRename)
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	crashpoint.Hit(crashpoint.AfterRename)
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, so that the names created, renamed or
// removed in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// MkdirAll creates dir and any missing parents, as os.MkdirAll does
// (0755 less the umask), then fsyncs the parent of every directory it
// created, so that their names are as durable as the files written in
// them: WriteAtomic and the output's commits fsync the directory they
// write in, not its parents. A dir that exists is left as it is.
func MkdirAll(dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range created {
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// ErrLocked is wrapped by Lock's error when another process holds the lock.
var ErrLocked = errors.New("in use by another process")

// FileLock is a lock held by this process.
type FileLock struct {
	fl *flock.Flock
}

// Lock takes the exclusive lock of path (creating the file, 0600) without
// waiting. what names the locked thing in the error, e.g. "checkpoint
// orders.ckpt". When another process holds it, the error wraps ErrLocked
// and names the holder.
func Lock(path, what string) (*FileLock, error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s (%s): %w", what, path, err)
	}
	if !ok {
		holder := "another process"
		if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			holder = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("%s is %w: held by %s (lock file %s)", what, ErrLocked, holder, path)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("process %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(path, []byte(info), 0o600); err != nil {
		_ = fl.Unlock()
		return nil, fmt.Errorf("lock %s (%s): %w", what, path, err)
	}
	return &FileLock{fl: fl}, nil
}

// Unlock releases the lock. Idempotent.
func (l *FileLock) Unlock() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := l.fl.Unlock()
	l.fl = nil
	return err
}
