package simproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AddressEnv names an environment variable that, when set, moves every
// simulated cluster a test starts (through StartSim in internal/testutil or
// through this package) to another first loopback address, for example
// 127.0.5.1: test runs of several checkouts at once then stay on their own
// addresses. Unset, clusters start on cqlsim's default 127.0.0.1.
const AddressEnv = "RINGSCAN_SIM_ADDRESS"

// Proc is a running "ringscan sim".
type Proc struct {
	cmd   *exec.Cmd
	Hosts []string // node addresses
	Port  int
	// Demo is the "demo data:" line the simulator printed, if any.
	Demo string
	// Checksum is the demo data's checksum, 0 without demo data.
	Checksum uint64
	Rows     int64
	// Tables are the other demo tables' rows and checksums (the "demo
	// table:" lines), by "keyspace.table".
	Tables map[string]Table
	// MetricsURL is where the simulator serves its nodes' load as
	// Prometheus metrics, when it was started with --metrics-addr.
	MetricsURL string

	stop sync.Once
	err  error
}

// build is one build of the ringscan command.
type build struct {
	once sync.Once
	path string
	err  error
}

// builds are the binaries built by this process, by build tags: a test
// process builds each at most once.
var (
	buildsMu sync.Mutex
	builds   = map[string]*build{}
)

// Binary builds the ringscan command once per process into a temporary
// directory and returns its path.
func Binary() (string, error) { return BinaryWithTags() }

// BinaryWithTags builds the ringscan command with build tags (for example
// "crashpoints"), once per process and tag set.
func BinaryWithTags(tags ...string) (string, error) {
	key := strings.Join(tags, ",")
	buildsMu.Lock()
	b := builds[key]
	if b == nil {
		b = &build{}
		builds[key] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "ringscan-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "ringscan")
		args := []string{"build", "-o", b.path}
		if key != "" {
			args = append(args, "-tags", key)
		}
		cmd := exec.Command("go", append(args, "github.com/ringscan/ringscan/cmd/ringscan")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("build ringscan: %v: %s", err, out)
		}
	})
	return b.path, b.err
}

// Start runs "ringscan sim --port 0" with extra flags and waits until it
// prints its contact points, or ctx ends.
func Start(ctx context.Context, flags ...string) (*Proc, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	return StartBinary(ctx, bin, flags...)
}

// StartBinary is Start with a given ringscan binary (or any program that
// implements "sim" the same way), e.g. the running one.
func StartBinary(ctx context.Context, bin string, flags ...string) (*Proc, error) {
	args := []string{"sim", "--port", "0"}
	if addr := os.Getenv(AddressEnv); addr != "" && !slices.Contains(flags, "--address") {
		args = append(args, "--address", addr)
	}
	args = append(args, flags...)
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "demo data:") {
				p.Demo = line
				p.Rows, p.Checksum = parseTable(line)
			}
			if strings.HasPrefix(line, "demo table:") {
				if name, _, ok := strings.Cut(strings.TrimPrefix(line, "demo table: "), ","); ok {
					t := Table{}
					t.Rows, t.Checksum = parseTable(line)
					if p.Tables == nil {
						p.Tables = map[string]Table{}
					}
					p.Tables[name] = t
				}
			}
			if u, ok := strings.CutPrefix(line, "metrics: "); ok {
				p.MetricsURL = u
			}
			if cps, ok := strings.CutPrefix(line, "contact points: "); ok && !sent {
				ready <- p.parseContactPoints(cps)
				sent = true
			}
		}
		if !sent {
			ready <- errors.New("ringscan sim exited before printing its contact points")
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			p.Stop()
			return nil, err
		}
		return p, nil
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

func (p *Proc) parseContactPoints(s string) error {
	for _, cp := range strings.Split(s, ",") {
		host, port, ok := strings.Cut(strings.TrimSpace(cp), ":")
		if !ok {
			return fmt.Errorf("bad contact point %q", cp)
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return fmt.Errorf("bad contact point %q", cp)
		}
		p.Hosts = append(p.Hosts, host)
		p.Port = n
	}
	return nil
}

// Table is a demo table's row count and rowsum checksum.
type Table struct {
	Rows     int64
	Checksum uint64
}

// parseTable reads the rows and checksum of a "demo data: ks.t, N rows in
// P partitions, D tombstones, checksum HEX (loaded in ...)" or "demo
// table: ks.t, N rows in P partitions (...), checksum HEX" line.
func parseTable(line string) (rows int64, checksum uint64) {
	f := strings.Fields(line)
	for i, w := range f {
		switch {
		case w == "rows" && i > 0:
			rows, _ = strconv.ParseInt(f[i-1], 10, 64)
		case w == "checksum" && i+1 < len(f):
			checksum, _ = strconv.ParseUint(strings.TrimSuffix(f[i+1], ","), 16, 64)
		}
	}
	return rows, checksum
}

// Pid is the simulator's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stop interrupts the simulator and waits for it to exit.
func (p *Proc) Stop() error {
	p.stop.Do(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case p.err = <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			p.err = <-done
		}
	})
	return p.err
}
