package cli

import (
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/scanner"
)

// TestPerHostFlag checks that --per-host reaches scanner.Config: a fixed
// cap, or adaptive with its optional floor and ceiling.
func TestPerHostFlag(t *testing.T) {
	tests := []struct {
		arg       string
		mode      scanner.PerHostMode
		n, min    int
		formatted string
	}{
		{arg: "", formatted: "auto"},
		{arg: "12", mode: scanner.PerHostFixed, n: 12, formatted: "12"},
		{arg: "adaptive", mode: scanner.PerHostAdaptive, formatted: "adaptive"},
		{arg: "adaptive:16", mode: scanner.PerHostAdaptive, n: 16, formatted: "adaptive:16"},
		{arg: "adaptive:2-16", mode: scanner.PerHostAdaptive, n: 16, min: 2, formatted: "adaptive:2-16"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			var args []string
			if tt.arg != "" {
				args = []string{"--per-host", tt.arg}
			}
			f, cfg := readFlags(t, args...)
			assert.Equal(t, tt.mode, cfg.PerHostMode)
			assert.Equal(t, tt.n, cfg.PerHost)
			assert.Equal(t, tt.min, cfg.MinPerHost)
			assert.Equal(t, tt.formatted, f.perHost.String())
		})
	}
}

// TestPageMBFlag checks that --page-mb reaches scanner.Config in bytes:
// 8 MiB by default, fractions of a MiB, and 0 for no bound.
func TestPageMBFlag(t *testing.T) {
	tests := []struct {
		arg  string
		want int
	}{
		{arg: "", want: scanner.DefaultPageBytes},
		{arg: "0.5", want: 512 << 10},
		{arg: "64", want: 64 << 20},
		{arg: "0", want: scanner.NoPageBytes},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			var args []string
			if tt.arg != "" {
				args = []string{"--page-mb", tt.arg}
			}
			_, cfg := readFlags(t, args...)
			assert.Equal(t, tt.want, cfg.PageBytes)
		})
	}
}

// readFlags parses the connection and read flags args (after -k ks -t t)
// and returns them with the scanner.Config they make.
func readFlags(t *testing.T, args ...string) (*connFlags, scanner.Config) {
	t.Helper()
	f := newConnFlags()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f.registerConn(fs)
	f.registerRead(fs)
	require.NoError(t, fs.Parse(append([]string{"-k", "ks", "-t", "t"}, args...)))
	cfg, err := f.scannerConfig()
	require.NoError(t, err)
	return f, cfg
}
