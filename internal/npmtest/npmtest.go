package npmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// SkipUnlessNode skips the test when RINGSCAN_SKIP_NODE=1 or node or npm
// is not on PATH.
func SkipUnlessNode(t *testing.T) {
	t.Helper()
	if os.Getenv("RINGSCAN_SKIP_NODE") == "1" {
		t.Skip("RINGSCAN_SKIP_NODE=1: skipping a test that needs Node.js")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: skipping a test that needs Node.js (install Node.js 20+ and npm to run it)", tool)
		}
	}
}

// Dir returns a directory holding node_modules with the packages that
// src's package.json and package-lock.json pin (pkg being the one whose
// version is checked) and copies of the files named, from src, so that
// `node file` can run there. It may be src itself.
func Dir(ctx context.Context, t *testing.T, src, pkg string, files ...string) string {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		return b
	}
	want := lockedVersion(t, read("package-lock.json"), pkg)
	if installedVersion(src, pkg) == want {
		abs, err := filepath.Abs(src)
		require.NoError(t, err)
		return abs
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	h := sha256.New()
	h.Write(read("package.json"))
	h.Write(read("package-lock.json"))
	root := filepath.Join(cache, "ringscan", "npm")
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	require.NoError(t, os.MkdirAll(root, 0o755))
	if installedVersion(dir, pkg) != want {
		install(ctx, t, root, dir, pkg, want, read)
	}
	for _, name := range files {
		// Replace the file atomically: another test run may be using it.
		f, err := os.CreateTemp(dir, "copy-*")
		require.NoError(t, err)
		_, err = f.Write(read(name))
		require.NoError(t, errors.Join(err, f.Close()))
		require.NoError(t, os.Rename(f.Name(), filepath.Join(dir, name)))
	}
	return dir
}

// install runs npm ci in a fresh directory under root and renames it to
// dir.
func install(ctx context.Context, t *testing.T, root, dir, pkg, want string, read func(string) []byte) {
	t.Helper()
	tmp, err := os.MkdirTemp(root, "install-")
	require.NoError(t, err)
	defer os.RemoveAll(tmp)
	for _, name := range []string{"package.json", "package-lock.json"} {
		require.NoError(t, os.WriteFile(filepath.Join(tmp, name), read(name), 0o644))
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm ci in %s (set RINGSCAN_SKIP_NODE=1 to skip this test offline):\n%s", tmp, out)
	require.Equal(t, want, installedVersion(tmp, pkg), "npm ci did not install the pinned %s", pkg)
	// A concurrent run may have renamed its install into place first.
	if err := os.Rename(tmp, dir); err != nil && installedVersion(dir, pkg) != want {
		require.NoError(t, err, "move the installed packages into the cache (remove %s if it is a broken install)", dir)
	}
}

// lockedVersion is the version of pkg that package-lock.json pins.
func lockedVersion(t *testing.T, lock []byte, pkg string) string {
	t.Helper()
	var l struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	require.NoError(t, json.Unmarshal(lock, &l), "parse package-lock.json")
	v := l.Packages["node_modules/"+pkg].Version
	require.NotEmpty(t, v, "package-lock.json pins no %s", pkg)
	return v
}

// installedVersion is the version of pkg installed under dir, or "".
func installedVersion(dir, pkg string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Version
}
