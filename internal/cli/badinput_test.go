package cli_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
	"github.com/ringscan/ringscan/internal/simproc"
)

// closedPort returns a port on 127.0.0.1 that refuses connections.
func closedPort(t *testing.T) int {
	t.Helper()
	_, port, err := net.SplitHostPort(freePort(t))
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return n
}

// TestBadFlagValues checks every flag value the commands validate
// themselves or through cobra: exit 3 and one line naming the flag and,
// where the command checks it, what is allowed. None needs a cluster: the
// port given is closed, so a command that tried to connect would fail
// with another message.
func TestBadFlagValues(t *testing.T) {
	t.Parallel()
	conn := []string{"--hosts", "127.0.0.1", "--port", strconv.Itoa(closedPort(t)), "-k", "ks", "-t", "tbl"}
	out := filepath.Join(t.TempDir(), "never")
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("page-size: 3\n"), 0o600))
	type flagCase struct {
		name  string
		args  []string // after the command and conn
		parts []string
	}
	// Flags of every command that reaches a cluster.
	connCases := []flagCase{
		{name: "timeout without unit", args: []string{"--timeout", "5"}, parts: []string{`invalid --timeout "5": missing unit`, "want a duration with a unit, such as 30s"}},
		{name: "timeout unknown unit", args: []string{"--timeout", "5parsecs"}, parts: []string{`invalid --timeout "5parsecs": unknown unit "parsecs"`, "want a duration"}},
		{name: "boolean text", args: []string{"--size-estimates=maybe"}, parts: []string{`invalid --size-estimates "maybe": want true or false`}},
		{name: "hosts quote", args: []string{"--hosts", `"127.0.0.1`}, parts: []string{`invalid --hosts "\"127.0.0.1": extraneous or missing " in quoted-field`, "want a list separated by commas"}},
		{name: "integer text", args: []string{"--concurrency", "many"}, parts: []string{`invalid --concurrency "many": want an integer`}},
		{name: "timeout zero", args: []string{"--timeout", "0s"}, parts: []string{"--timeout 0s", "positive duration"}},
		{name: "connect timeout", args: []string{"--connect-timeout", "-1s"}, parts: []string{"--connect-timeout -1s", "positive duration"}},
		{name: "concurrency zero", args: []string{"--concurrency", "0"}, parts: []string{"--concurrency 0", "positive integer"}},
		{name: "splits negative", args: []string{"--splits", "-4"}, parts: []string{"--splits -4", "positive integer"}},
		{name: "concurrency too large", args: []string{"--concurrency", "100000"}, parts: []string{"invalid --concurrency 100000", "at most 4096"}},
		{name: "splits too large", args: []string{"--splits", "2000000"}, parts: []string{"invalid --splits 2000000", "up to 1048576"}},
		{name: "shard out of range", args: []string{"--shard", "3/3"}, parts: []string{`--shard "3/3"`, "0 <= i < N"}},
		{name: "shard text", args: []string{"--shard", "first"}, parts: []string{`--shard "first"`, "i/N"}},
		{name: "shard of zero", args: []string{"--shard", "0/0"}, parts: []string{`--shard "0/0"`}},
		{name: "several at once", args: []string{"--splits", "-1", "--concurrency", "0"}, parts: []string{"--splits -1", "--concurrency 0"}},
		{name: "empty host", args: []string{"--hosts", "127.0.0.1,,127.0.0.2"}, parts: []string{"--hosts", "entry 3 is empty"}}, // after conn's --hosts
		{name: "password flag", args: []string{"--password", "secret"}, parts: []string{"unknown flag: --password"}},
		{name: "log level", args: []string{"--log-level", "loud"}, parts: []string{`--log-level "loud"`, "want debug, info, warn or error"}},
		{name: "port zero", args: []string{"--port", "0"}, parts: []string{"invalid --port 0", "1..65535"}},
		{name: "port too large", args: []string{"--port", "70000"}, parts: []string{"invalid --port 70000", "1..65535"}},
		{name: "host's port text", args: []string{"--hosts", "127.0.0.1:abc"}, parts: []string{`invalid --hosts entry "127.0.0.1:abc"`, "1..65535"}},
		{name: "host's port too large", args: []string{"--hosts", "127.0.0.1:70000"}, parts: []string{`invalid --hosts entry "127.0.0.1:70000"`, "1..65535"}},
		{name: "password file without user", args: []string{"--password-file", notPEM}, parts: []string{"--password-file needs --username"}},
		{name: "CA not PEM", args: []string{"--tls-ca", notPEM}, parts: []string{"invalid --tls-ca " + notPEM, "no PEM certificate"}},
		{name: "CA a directory", args: []string{"--tls-ca", filepath.Dir(notPEM)}, parts: []string{"cannot read --tls-ca", "is a directory"}},
		{name: "certificate not PEM", args: []string{"--tls-cert", notPEM, "--tls-key", notPEM}, parts: []string{"invalid --tls-cert " + notPEM, "want a PEM certificate and its PEM private key"}},
		{name: "unknown flag", args: []string{"--turbo"}, parts: []string{"unknown flag: --turbo"}},
		// Refused by scanner.Config.Validate, which names the fields: the
		// message names the flags instead.
		// A field's name in a value stays as it is.
		{name: "local DC not UTF-8", args: []string{"--local-dc", "dc Where dc\xff"}, parts: []string{`ringscan: --local-dc "dc Where dc\xff" is not valid UTF-8 text`}},
		{name: "keyspace not UTF-8", args: []string{"-k", "ks\xff"}, parts: []string{`ringscan: --keyspace "ks\xff" is not valid UTF-8 text`}},
		{name: "keyspace holding the library's words", args: []string{"-k", "invalid scanner config: Table\xff"},
			parts: []string{`ringscan: --keyspace "invalid scanner config: Table\xff" is not valid UTF-8 text`}},
		{name: "table not UTF-8", args: []string{"-t", "t\xff"}, parts: []string{`ringscan: --table "t\xff" is not valid UTF-8 text`}},
		{name: "argument", args: []string{"extra"}, parts: []string{`unknown command "extra"`}},
	}
	// Flags of the commands that read rows.
	readCases := []flagCase{
		{name: "page size text", args: []string{"--page-size", "abc"}, parts: []string{`invalid --page-size "abc": want an integer`}},
		{name: "page size over an int64", args: []string{"--page-size", "99999999999999999999"}, parts: []string{`invalid --page-size "99999999999999999999": out of range; want an integer`}},
		{name: "log format", args: []string{"--log-format", "xml"}, parts: []string{`--log-format "xml"`, "want json or console"}},
		{name: "rate text", args: []string{"--rate", "fast"}, parts: []string{`invalid --rate "fast": want a number`}},
		{name: "page size negative", args: []string{"--page-size", "-1"}, parts: []string{"--page-size -1", "positive integer"}},
		{name: "per host negative", args: []string{"--per-host", "-1"}, parts: []string{"--per-host -1", "positive integer"}},
		{name: "per host text", args: []string{"--per-host", "auto"}, parts: []string{`invalid --per-host "auto": want a positive number`, "adaptive:MIN-MAX"}},
		{name: "per host adaptive ceiling", args: []string{"--per-host", "adaptive:0"}, parts: []string{`"adaptive:0"`, "--per-host", "adaptive:MAX"}},
		{name: "per host adaptive floor", args: []string{"--per-host", "adaptive:9-8"}, parts: []string{`"adaptive:9-8"`, "--per-host", "no larger than MAX"}},
		{name: "per host adaptive junk", args: []string{"--per-host", "adaptively"}, parts: []string{`"adaptively"`, "--per-host"}},
		{name: "rate negative", args: []string{"--rate", "-5"}, parts: []string{"--rate -5", "rows per second"}},
		{name: "retries negative", args: []string{"--retries", "-1"}, parts: []string{`"-1"`, "--retries", "a positive number, or none"}},
		{name: "retries zero", args: []string{"--retries", "0"}, parts: []string{`"0"`, "use --retries none to turn retries off"}},
		{name: "retries text", args: []string{"--retries", "many"}, parts: []string{`"many"`, "--retries", "a positive number, or none"}},
		{name: "partition split rows negative", args: []string{"--partition-split-rows", "-1"}, parts: []string{"--partition-split-rows -1", "positive integer"}},
		{name: "max failed ranges", args: []string{"--max-failed-ranges", "-2"}, parts: []string{"--max-failed-ranges -2", "-1, 0 or a positive integer"}},
		{name: "consistency", args: []string{"--consistency", "MOST"}, parts: []string{`--consistency "MOST"`, "LOCAL_QUORUM"}},
		{name: "read flags at once", args: []string{"--page-size", "-1", "--concurrency", "0"}, parts: []string{"--page-size -1", "--concurrency 0"}},
		{name: "page size over an int", args: []string{"--page-size", "2147483648"}, parts: []string{"--page-size 2147483648", "at most 2147483647"}},
		{name: "page MiB negative", args: []string{"--page-mb", "-1"}, parts: []string{"--page-mb -1", "or 0 for no bound"}},
		{name: "page MiB too large", args: []string{"--page-mb", "4096"}, parts: []string{"--page-mb 4096", "below 2048"}},
		{name: "rate NaN", args: []string{"--rate", "NaN"}, parts: []string{"--rate NaN", "rows per second"}},
		{name: "rate infinite", args: []string{"--rate", "+Inf"}, parts: []string{"--rate +Inf", "rows per second"}},
		{name: "consistency SERIAL", args: []string{"--consistency", "SERIAL"}, parts: []string{"--consistency SERIAL", "cannot be used for reads"}},
		{name: "consistency LOCAL_SERIAL", args: []string{"--consistency", "LOCAL_SERIAL"}, parts: []string{"--consistency LOCAL_SERIAL", "cannot be used for reads"}},
		{name: "consistency ANY", args: []string{"--consistency", "ANY"}, parts: []string{"--consistency ANY", "cannot be used for reads"}},
	}
	// ring reads no rows: the read flags are unknown to it.
	var ringCases []flagCase
	for _, f := range []string{"--page-size", "--page-mb", "--retries", "--rate", "--consistency", "--per-host", "--max-failed-ranges", "--partition-split-rows", "--columns", "--checkpoint", "--format"} {
		ringCases = append(ringCases, flagCase{name: "no " + f, args: []string{f, "1"}, parts: []string{"unknown flag: " + f}})
	}
	for cmd, cases := range map[string][]flagCase{"scan": append(connCases, readCases...), "count": append(connCases, readCases...),
		"ring": append(connCases, ringCases...)} {
		for _, tc := range cases {
			t.Run(cmd+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				args := append(append([]string{cmd}, conn...), tc.args...)
				if cmd == "scan" {
					args = append(args, "--out", out)
				}
				r := run(t, args...)
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Empty(t, r.stdout)
			})
		}
	}

	// --hosts alone: no contact point at all.
	for _, cmd := range []string{"scan", "count", "ring"} {
		r := run(t, cmd, "--hosts", "", "-k", "ks", "-t", "tbl", "--out", out)
		if cmd != "scan" {
			r = run(t, cmd, "--hosts", "", "-k", "ks", "-t", "tbl")
		}
		requireOneLineError(t, r, cli.ExitBadInput, "--hosts is empty")
	}

	scanCases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{name: "max rows per file", args: []string{"--out", out, "--max-rows-per-file", "-2"}, parts: []string{"--max-rows-per-file -2", "0 (one file) or a positive number"}},
		{name: "format", args: []string{"--out", out, "--format", "xml"}, parts: []string{`invalid --format "xml"`, "jsonl (or json), csv, parquet"}},
		{name: "compress", args: []string{"--out", out, "--compress", "lz4"}, parts: []string{`invalid --compress "lz4"`, "none, gzip, zstd"}},
		{name: "parquet compressed", args: []string{"--out", out, "--format", "parquet", "--compress", "gzip"}, parts: []string{"--compress gzip", "parquet"}},
		{name: "parquet to stdout", args: []string{"--out", "-", "--format", "parquet"}, parts: []string{"parquet needs --out DIR"}},
		{name: "rotation to stdout", args: []string{"--out", "-", "--max-rows-per-file", "10"}, parts: []string{"--max-rows-per-file needs --out DIR"}},
		{name: "no out", args: nil, parts: []string{"--out is required"}},
		{name: "checkpoint every without checkpoint", args: []string{"--out", "-", "--checkpoint-every", "1s"}, parts: []string{"--checkpoint-every needs --checkpoint"}},
		{name: "split rows without splits", args: []string{"--out", "-", "--no-partition-split", "--partition-split-rows", "500"},
			parts: []string{"--partition-split-rows applies only when large partitions are split", "--no-partition-split"}},
		{name: "csv null needing quotes", args: []string{"--out", "-", "--format", "csv", "--csv-null", "a,b"}, parts: []string{`invalid --csv-null "a,b"`, "no delimiter ','"}},
		{name: "columns with an empty name", args: []string{"--out", "-", "--columns", "a,,b"}, parts: []string{"ringscan: --columns holds an empty name"}},
		{name: "column twice", args: []string{"--out", "-", "--columns", "a,b,a"}, parts: []string{`ringscan: column "a" is listed twice in --columns`}},
		{name: "column not UTF-8", args: []string{"--out", "-", "--columns", "a\xff"}, parts: []string{`ringscan: column "a\xff" in --columns is not valid UTF-8 text`}},
	}
	for _, tc := range scanCases {
		t.Run("scan/"+tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, append(append([]string{"scan"}, conn...), tc.args...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
		})
	}
	// Refused by cqlsim.Config.Validate, which names the fields: the
	// message names the flags instead. None gets as far as starting a
	// cluster.
	simCases := []flagCase{
		{name: "address not IPv4", args: []string{"--address", "localhost"}, parts: []string{`ringscan: --address "localhost" is not an IPv4 address`}},
		{name: "address not loopback", args: []string{"--address", "10.0.0.1"}, parts: []string{`ringscan: --address "10.0.0.1" is not a loopback address`}},
		{name: "address without room", args: []string{"--address", "127.0.0.254"}, parts: []string{`ringscan: --address "127.0.0.254" leaves no room for 3 consecutive node addresses`}},
		{name: "too many nodes", args: []string{"--nodes", "300"}, parts: []string{"ringscan: --nodes or --dcs ask for 300 nodes; at most 250 are allowed"}},
		{name: "a data center twice", args: []string{"--dcs", "a:2,a:2"}, parts: []string{`ringscan: --dcs lists data center "a" twice`}},
		{name: "too many vnodes", args: []string{"--vnodes", "5000"}, parts: []string{"ringscan: --vnodes is 5000; it must be 1..4096"}},
		{name: "partitioner", args: []string{"--partitioner", "ByteOrderedPartitioner"}, parts: []string{`ringscan: --partitioner "ByteOrderedPartitioner" is not supported; use Murmur3Partitioner or RandomPartitioner`}},
		{name: "release", args: []string{"--release-version", "5.0"}, parts: []string{`ringscan: --release-version "5.0" is not supported`}},
		{name: "more skew factors than nodes", args: []string{"--size-estimates-skew", "1,2,3,4"}, parts: []string{"ringscan: --size-estimates-skew has 4 factors for 3 nodes"}},
	}
	for _, tc := range simCases {
		t.Run("sim/"+tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"sim", "--port", "0"}
			if !slices.Contains(tc.args, "--address") {
				// Never bound: refused first.
				args = append(args, "--address", cmp.Or(os.Getenv(simproc.AddressEnv), "127.0.0.1"))
			}
			r := run(t, append(args, tc.args...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
			assert.Empty(t, r.stdout, "no cluster started")
		})
	}
	t.Run("missing keyspace and table", func(t *testing.T) {
		t.Parallel()
		r := run(t, "count", "--port", conn[3])
		requireOneLineError(t, r, cli.ExitBadInput, "--keyspace (-k) is required", "--table (-t) is required")
	})
	t.Run("count: checkpoint every without checkpoint", func(t *testing.T) {
		t.Parallel()
		r := run(t, append(append([]string{"count"}, conn...), "--checkpoint-every", "1s")...)
		requireOneLineError(t, r, cli.ExitBadInput, "--checkpoint-every needs --checkpoint")
	})
	t.Run("unknown command", func(t *testing.T) {
		t.Parallel()
		requireOneLineError(t, run(t, "export"), cli.ExitBadInput, `unknown command "export"`)
	})
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no output directory was created")
}

// TestUnknownNames checks that unknown keyspaces, tables and columns are
// refused with the names that exist.
func TestUnknownNames(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 100})
	conn := []string{"--hosts", strings.Join(s.hosts, ","), "--port", strconv.Itoa(s.port)}
	all := []string{"scan", "count", "ring"}
	cases := []struct {
		name  string
		cmds  []string
		args  []string
		parts []string
	}{
		{name: "keyspace", cmds: all, args: []string{"-k", "shop", "-t", "events"}, parts: []string{`keyspace "shop" does not exist`, "keyspaces are: ringscan_demo, system, system_schema"}},
		{name: "table", cmds: all, args: []string{"-k", "ringscan_demo", "-t", "orders"}, parts: []string{`table "orders" does not exist in keyspace "ringscan_demo"`, "tables are: events"}},
		// count and ring take no --columns.
		{name: "column", cmds: []string{"scan"}, args: []string{"-k", "ringscan_demo", "-t", "events", "--columns", "tenant,price"}, parts: []string{`column "price" does not exist in table ringscan_demo.events`, "columns are: " + strings.Join(demoColumns, ", ")}},
	}
	for _, tc := range cases {
		for _, cmd := range tc.cmds {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				t.Parallel()
				args := append(append([]string{cmd}, conn...), tc.args...)
				out := filepath.Join(t.TempDir(), "out")
				if cmd == "scan" {
					args = append(args, "--out", out, "--checkpoint", filepath.Join(t.TempDir(), "ckpt"))
				}
				r := run(t, args...)
				requireOneLineError(t, r, cli.ExitBadInput, tc.parts...)
				assert.Empty(t, r.stdout)
			})
		}
	}
}

// TestUnreachable checks that a cluster that cannot be reached fails the
// command within --connect-timeout with exit 3. The deadline of the run is
// what fails the test if the command hangs; the time taken is not checked.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	port := strconv.Itoa(closedPort(t))
	for _, cmd := range []string{"scan", "count", "ring"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			args := []string{cmd, "--hosts", "127.0.0.1", "--port", port, "-k", "ks", "-t", "tbl", "--connect-timeout", "2s"}
			if cmd == "scan" {
				args = append(args, "--out", "-")
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			r := runCtx(ctx, args...)
			require.NoError(t, ctx.Err(), "the command did not give up in time")
			requireOneLineError(t, r, cli.ExitBadInput, "cannot connect to 127.0.0.1 (port "+port+")")
		})
	}
}

// TestAuthentication runs against a cluster with PasswordAuthenticator:
// the password comes from --password-file or $RINGSCAN_PASSWORD, never
// from a flag.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Username: "scanner", Password: "s3cret"}, cqlsim.DemoConfig{Rows: 700})
	dir := t.TempDir()
	pwFile := func(content string) string {
		f, err := os.CreateTemp(dir, "pw")
		require.NoError(t, err)
		_, err = f.WriteString(content)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return f.Name()
	}
	count := func(extra ...string) []string {
		return s.args("count", append([]string{"-q", "--username", "scanner"}, extra...)...)
	}

	t.Run("password file", func(t *testing.T) {
		t.Parallel()
		for _, content := range []string{"s3cret", "s3cret\n", "s3cret\r\nignored\n"} {
			r := run(t, count("--password-file", pwFile(content))...)
			requireOK(t, r)
			assert.Equal(t, "700\n", r.stdout)
		}
	})
	t.Run("wrong password file", func(t *testing.T) {
		t.Parallel()
		r := run(t, count("--password-file", pwFile("guess"))...)
		requireOneLineError(t, r, cli.ExitBadInput, "authentication failed")
		assert.NotContains(t, r.stderr, "guess")
	})
	// An empty password file is named, not taken for a missing password,
	// and refused before anything is created.
	for _, tc := range []struct {
		name, file, part string
	}{
		{name: "empty", file: pwFile(""), part: "is empty"},
		{name: "dev null", file: os.DevNull, part: "is empty"},
		{name: "empty first line", file: pwFile("\ns3cret\n"), part: "has an empty first line"},
	} {
		t.Run("password file "+tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, count("--password-file", tc.file)...)
			requireOneLineError(t, r, cli.ExitBadInput, "--password-file "+tc.file+" "+tc.part)
			assert.NotContains(t, r.stderr, "no password")
			out := filepath.Join(t.TempDir(), "out")
			r = run(t, s.args("scan", "-q", "--username", "scanner", "--password-file", tc.file, "--out", out)...)
			requireOneLineError(t, r, cli.ExitBadInput, "--password-file "+tc.file+" "+tc.part)
			assert.NoDirExists(t, out)
		})
	}
	t.Run("missing password file", func(t *testing.T) {
		t.Parallel()
		r := run(t, count("--password-file", filepath.Join(dir, "none"))...)
		requireOneLineError(t, r, cli.ExitBadInput, "cannot read --password-file")
	})
	t.Run("no credentials", func(t *testing.T) {
		t.Parallel()
		// The driver's "authentication required" says what to give.
		r := run(t, s.args("count", "-q")...)
		requireOneLineError(t, r, cli.ExitBadInput, "the cluster at "+strings.Join(s.hosts, ",")+" requires authentication (org.apache.cassandra.auth.PasswordAuthenticator)",
			"give --username, with the password in $RINGSCAN_PASSWORD or --password-file")
	})
	t.Run("password flag", func(t *testing.T) {
		t.Parallel()
		r := run(t, count("--password", "s3cret")...)
		requireOneLineError(t, r, cli.ExitBadInput, "unknown flag: --password")
	})
	// The environment of a child process is the test's own, so that the
	// in-process runs above never depend on the test's environment.
	t.Run("environment", func(t *testing.T) {
		t.Parallel()
		r := runProc(t, []string{"RINGSCAN_PASSWORD=s3cret"}, count()...)
		requireOK(t, r)
		assert.Equal(t, "700\n", r.stdout)

		r = runProc(t, []string{"RINGSCAN_PASSWORD=guess"}, count()...)
		requireOneLineError(t, r, cli.ExitBadInput, "authentication failed")

		r = runProc(t, []string{"RINGSCAN_PASSWORD="}, count()...)
		requireOneLineError(t, r, cli.ExitBadInput, "--username is set but no password", "RINGSCAN_PASSWORD", "--password-file")

		// --password-file wins over the environment.
		r = runProc(t, []string{"RINGSCAN_PASSWORD=guess"}, count("--password-file", pwFile("s3cret"))...)
		requireOK(t, r)
	})
}

// TestOutputNotWritable checks that an output directory that cannot be
// created fails before the scan with exit 3. Tests may run as root, for
// whom permissions do not count: the directory is under a regular file.
func TestOutputNotWritable(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{}, cqlsim.DemoConfig{Rows: 100})
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	for _, out := range []string{file, filepath.Join(file, "sub")} {
		r := run(t, s.args("scan", "--out", out, "-q")...)
		requireOneLineError(t, r, cli.ExitBadInput, "output directory "+out)
	}
	// A checkpoint that cannot be written fails the same way.
	r := run(t, s.args("scan", "--out", filepath.Join(t.TempDir(), "out"), "-q", "--checkpoint", filepath.Join(file, "ckpt"))...)
	requireOneLineError(t, r, cli.ExitBadInput, "--checkpoint")
	// So does a report that cannot be written: at start, before a row is
	// read, not with a warning at the end.
	r = run(t, s.args("count", "-q", "--report", filepath.Join(file, "report.json"))...)
	requireOneLineError(t, r, cli.ExitBadInput, "--report", "report.json")
	assert.Empty(t, r.stdout)
}

// partitionerProxy forwards CQL connections to a node, rewriting the
// partitioner the node reports in system.local into one ringscan does not
// support. The frames are those of protocol v4 (a 9-byte header whose
// last 4 bytes are the body's length); the partitioner is a [bytes] value
// of a ROWS result, so both lengths are fixed up.
func partitionerProxy(t *testing.T, upstream, from, to string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	lenPrefixed := func(s string) []byte { return binary.BigEndian.AppendUint32(nil, uint32(len(s))) }
	old := append(lenPrefixed(from), from...)
	repl := append(lenPrefixed(to), to...)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(u, c)
				u.Close()
			}()
			go func() {
				defer wg.Done()
				defer c.Close()
				hdr := make([]byte, 9)
				for {
					if _, err := io.ReadFull(u, hdr); err != nil {
						return
					}
					body := make([]byte, binary.BigEndian.Uint32(hdr[5:]))
					if _, err := io.ReadFull(u, body); err != nil {
						return
					}
					body = bytes.ReplaceAll(body, old, repl)
					binary.BigEndian.PutUint32(hdr[5:], uint32(len(body)))
					if _, err := c.Write(append(hdr, body...)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestUnsupportedPartitioner shows a ByteOrderedPartitioner cluster to the
// commands (cqlsim only simulates Murmur3Partitioner and
// RandomPartitioner, so a proxy rewrites what system.local says): they
// refuse it with exit 3 and name the partitioners supported.
func TestUnsupportedPartitioner(t *testing.T) {
	t.Parallel()
	s := startSim(t, cqlsim.Config{Nodes: 1}, cqlsim.DemoConfig{Rows: 100})
	addr := partitionerProxy(t, s.c.Nodes()[0].Addr(),
		"org.apache.cassandra.dht.Murmur3Partitioner", "org.apache.cassandra.dht.ByteOrderedPartitioner")
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	for _, cmd := range []string{"scan", "count", "ring"} {
		t.Run(cmd, func(t *testing.T) {
			args := []string{cmd, "--hosts", host, "--port", port, "-k", cqlsim.DemoKeyspace, "-t", cqlsim.DemoTable, "--connect-timeout", "5s"}
			if cmd == "scan" {
				args = append(args, "--out", "-")
			}
			r := run(t, args...)
			requireOneLineError(t, r, cli.ExitBadInput, `unsupported partitioner "org.apache.cassandra.dht.ByteOrderedPartitioner"`,
				"Murmur3Partitioner and RandomPartitioner")
			assert.Empty(t, r.stdout)
		})
	}
	// The proxy itself is faithful: without the rewrite the same path works.
	plain := partitionerProxy(t, s.c.Nodes()[0].Addr(), "unused", "unused")
	host, port, err = net.SplitHostPort(plain)
	require.NoError(t, err)
	r := run(t, "count", "-q", "--hosts", host, "--port", port, "-k", cqlsim.DemoKeyspace, "-t", cqlsim.DemoTable)
	requireOK(t, r)
	assert.Equal(t, "100\n", r.stdout)
}
