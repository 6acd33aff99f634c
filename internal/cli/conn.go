package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/gocqlzap"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/worker"
)

// connFlags are the connection, plan and read flags of scan, count and
// ring. Each command registers the groups it uses (registerConn,
// registerPlan, registerRead, registerColumns), so that its --help lists
// only flags that do something; a flag not registered keeps its default.
type connFlags struct {
	hosts          []string
	port           int
	keyspace       string
	table          string
	columns        []string
	localDC        string
	consistency    string
	pageSize       int
	pageMiB        float64
	concurrency    int
	perHost        perHost
	splits         int
	rate           float64
	timeout        time.Duration
	retries        retries
	connectTimeout time.Duration
	maxFailed      int
	sizeEstimates  bool
	noPartSplit    bool
	partSplitRows  int
	// splitRowsGiven says --partition-split-rows was given on the command
	// line, where it is refused with --no-partition-split (from the
	// environment or a settings file it may be meant for other runs).
	splitRowsGiven bool
	shard          string
	username       string
	passwordFile   string
	// pw is the password scannerConfig read, which session connects
	// with: a --password-file is read once, as it may be a pipe
	// (<(pass show db), /dev/stdin) that a second read finds empty.
	pw string
	// tlsConf is the TLS configuration checkTLS made from the files it
	// read, which session connects with: read once, for the same reason.
	tlsConf     *tls.Config
	tlsCA       string
	tlsCert     string
	tlsKey      string
	tlsInsecure bool
	shape       shapeFlags // registered by the commands that take them
}

// newConnFlags returns the flags with their defaults, for a command that
// does not register every group.
func newConnFlags() *connFlags {
	return &connFlags{hosts: []string{"127.0.0.1"}, port: 9042, consistency: "LOCAL_ONE", pageSize: scanner.DefaultPageSize, pageMiB: scanner.DefaultPageBytes >> 20,
		concurrency: scanner.DefaultConcurrency, timeout: 30 * time.Second, retries: scanner.DefaultRetries, connectTimeout: 10 * time.Second}
}

// registerConn registers the flags that reach the cluster and name the
// table.
func (f *connFlags) registerConn(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.hosts, "hosts", f.hosts, "contact points, comma separated (host or host:port)")
	fs.IntVar(&f.port, "port", f.port, "native protocol port")
	fs.StringVarP(&f.keyspace, "keyspace", "k", "", "keyspace of the table")
	fs.StringVarP(&f.table, "table", "t", "", "table to read")
	fs.DurationVar(&f.timeout, "timeout", f.timeout, "timeout of one request")
	fs.DurationVar(&f.connectTimeout, "connect-timeout", f.connectTimeout, "time allowed to connect to the cluster")
	fs.StringVar(&f.username, "username", "", "user for PasswordAuthenticator; the password comes from $RINGSCAN_PASSWORD or --password-file")
	fs.StringVar(&f.passwordFile, "password-file", "", "file holding the password (first line)")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "CA certificate file (PEM); turns TLS on")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "client certificate file (PEM); turns TLS on")
	fs.StringVar(&f.tlsKey, "tls-key", "", "client key file (PEM), with --tls-cert")
	fs.BoolVar(&f.tlsInsecure, "tls-insecure-skip-verify", false, "do not verify the server's certificate and host name")
}

// registerPlan registers the flags that shape the split plan. concurrency
// tells how --concurrency is described: the subranges read at once
// (scan, count), or only the default of --splits (ring, which reads
// nothing).
func (f *connFlags) registerPlan(fs *pflag.FlagSet, reads bool) {
	fs.StringVar(&f.localDC, "local-dc", "", "keep every request in this data center")
	if reads {
		fs.IntVar(&f.concurrency, "concurrency", f.concurrency, "subranges read at once")
	} else {
		fs.IntVar(&f.concurrency, "concurrency", f.concurrency, "the --concurrency of the scan to plan: the default of --splits")
	}
	fs.IntVar(&f.splits, "splits", 0, "subranges in the split plan (default --concurrency, never fewer than the vnode ranges; a count on the server sized by the size estimates may hold more)")
	fs.BoolVar(&f.sizeEstimates, "size-estimates", false, "weight the split plan by system.size_estimates (an unsharded count on the server that is not resuming reads them by default, to size its count(*)s by --on-server-split-mb: --size-estimates=false turns that off)")
	fs.StringVar(&f.shard, "shard", "", "read only shard i of N of the plan, as i/N (e.g. 0/3); N processes with i = 0..N-1 read every row once")
}

// registerRead registers the flags of the page requests.
func (f *connFlags) registerRead(fs *pflag.FlagSet) {
	fs.StringVar(&f.consistency, "consistency", f.consistency, "read consistency: ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE")
	fs.IntVar(&f.pageSize, "page-size", f.pageSize, "rows per page (a hint to the server)")
	fs.Float64Var(&f.pageMiB, "page-mb", f.pageMiB, "MiB of values a page may hold: once pages came back, a page asks for fewer rows than --page-size when that many rows of the mean size read would hold more (Cassandra pages by rows only, whatever their size); 0: no bound")
	fs.Var(&f.perHost, "per-host", "page requests in flight per host at most: a number (default 2 x concurrency / hosts, at least 8), or adaptive[:[MIN-]MAX], a limit per host that follows its latency, between MIN (default 1) and MAX (default --concurrency)")
	fs.Float64Var(&f.rate, "rate", 0, "ceiling in rows per second (0: none)")
	fs.Var(&f.retries, "retries", "retries of a failing page, each on the next replica: a positive number, or none")
	fs.IntVar(&f.maxFailed, "max-failed-ranges", 0, "go on until more than this many subranges failed (0: stop at the first; -1: never stop)")
	fs.BoolVar(&f.noPartSplit, "no-partition-split", false, "never split a large partition by clustering range in the scan's tail")
	fs.IntVar(&f.partSplitRows, "partition-split-rows", 0, "rows a partition must have left, by estimate, to be split (default 2 x --page-size)")
}

// registerColumns registers --columns.
func (f *connFlags) registerColumns(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.columns, "columns", nil, "columns to read, comma separated (default all); writetime(c) and ttl(c) read a column's write time (microseconds) and TTL (seconds left), named so in the output as dsbulk names them")
}

// retries is the value of --retries: a positive number, or none (the
// library's NoRetries). 0 is refused: it means none here but the default
// in scanner.Config, so neither meaning is guessed.
type retries int

func (r *retries) String() string {
	if *r == scanner.NoRetries {
		return "none"
	}
	return strconv.Itoa(int(*r))
}

func (r *retries) Set(s string) error {
	if strings.EqualFold(s, "none") {
		*r = scanner.NoRetries
		return nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err == nil && n == 0:
		return errors.New("use --retries none to turn retries off")
	case err != nil || n < 0:
		return errors.New("want a positive number, or none")
	}
	*r = retries(n)
	return nil
}

func (r *retries) Type() string { return "n|none" }

// perHost is the value of --per-host: a fixed cap (n, 0 for the default),
// or adaptive, with an optional floor and ceiling.
type perHost struct {
	mode   scanner.PerHostMode // "" for the default
	n, min int
}

func (p *perHost) String() string {
	switch {
	case p.mode != scanner.PerHostAdaptive && p.n == 0:
		return "auto"
	case p.mode != scanner.PerHostAdaptive:
		return strconv.Itoa(p.n)
	case p.min > 0:
		return fmt.Sprintf("adaptive:%d-%d", p.min, p.n)
	case p.n > 0:
		return fmt.Sprintf("adaptive:%d", p.n)
	}
	return "adaptive"
}

func (p *perHost) Set(s string) error {
	const want = "want a positive number, or adaptive, adaptive:MAX or adaptive:MIN-MAX (e.g. adaptive:2-16)"
	rest, adaptive := strings.CutPrefix(s, "adaptive")
	if !adaptive {
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New(want)
		}
		*p = perHost{mode: scanner.PerHostFixed, n: n} // checked with the other flags
		return nil
	}
	v := perHost{mode: scanner.PerHostAdaptive}
	if rest != "" {
		bounds, ok := strings.CutPrefix(rest, ":")
		if !ok {
			return errors.New(want)
		}
		lo, hi, ranged := strings.Cut(bounds, "-")
		if !ranged {
			lo, hi = "", bounds
		}
		var err error
		if v.n, err = strconv.Atoi(hi); err != nil || v.n < 1 {
			return errors.New(want)
		}
		if ranged {
			if v.min, err = strconv.Atoi(lo); err != nil || v.min < 1 || v.min > v.n {
				return errors.New("the floor MIN must be a positive number no larger than MAX, e.g. adaptive:2-16")
			}
		}
	}
	*p = v
	return nil
}

func (p *perHost) Type() string { return "n|adaptive[:[min-]max]" }

// parseShard parses "i/N".
func parseShard(s string) (i, n int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("invalid --shard %q: want i/N with 0 <= i < N, e.g. 0/3", s)
	}
	return i, n, nil
}

// scannerConfig turns the flags into a scanner.Config, checking every value.
func (f *connFlags) scannerConfig() (scanner.Config, error) {
	var errs []error
	if f.keyspace == "" {
		errs = append(errs, errors.New("--keyspace (-k) is required"))
	}
	if f.table == "" {
		errs = append(errs, errors.New("--table (-t) is required"))
	}
	const readLevels = "ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE"
	cl, err := gocql.ParseConsistencyWrapper(f.consistency)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("invalid --consistency %q: allowed are %s", f.consistency, readLevels))
	case cl == gocql.Any || cl == gocql.Serial || cl == gocql.LocalSerial:
		errs = append(errs, fmt.Errorf("invalid --consistency %s: it cannot be used for reads; allowed are %s", cl, readLevels))
	}
	if len(f.hosts) == 0 {
		errs = append(errs, errors.New("--hosts is empty: give at least one contact point"))
	}
	for i, h := range f.hosts {
		// "a, b" in a settings file or variable: the driver would fail
		// to resolve " b", and drop that contact point unsaid.
		h = strings.TrimSpace(h)
		f.hosts[i] = h
		if h == "" {
			errs = append(errs, fmt.Errorf("invalid --hosts %q: entry %d is empty; want host or host:port, comma separated", strings.Join(f.hosts, ","), i+1))
			break
		}
		if _, port, err := net.SplitHostPort(h); err == nil && !validPort(port) {
			errs = append(errs, fmt.Errorf("invalid --hosts entry %q: the port after ':' must be a number 1..65535", h))
		}
	}
	if f.port < 1 || f.port > 65535 {
		errs = append(errs, fmt.Errorf("invalid --port %d: want a port number 1..65535", f.port))
	}
	if f.passwordFile != "" && f.username == "" {
		errs = append(errs, errors.New("--password-file needs --username: it holds that user's password"))
	}
	if f.username != "" {
		// Read at start, before anything is created, and kept to connect.
		pw, err := f.password()
		if err != nil {
			errs = append(errs, err)
		}
		f.pw = pw
	}
	errs = append(errs, f.checkTLS()...)
	positive := func(name string, v int) {
		if v < 1 {
			errs = append(errs, fmt.Errorf("invalid --%s %d: want a positive integer", name, v))
		}
	}
	positive("page-size", f.pageSize)
	if f.pageSize > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("invalid --page-size %d: at most %d (the protocol's page size is an int)", f.pageSize, math.MaxInt32))
	}
	if f.pageMiB < 0 || math.IsNaN(f.pageMiB) || math.IsInf(f.pageMiB, 0) || f.pageMiB*(1<<20) > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("invalid --page-mb %v: want a positive number of MiB below 2048, or 0 for no bound", f.pageMiB))
	}
	positive("concurrency", f.concurrency)
	if f.concurrency > worker.MaxConcurrency {
		errs = append(errs, fmt.Errorf("invalid --concurrency %d: at most %d", f.concurrency, worker.MaxConcurrency))
	}
	if f.perHost.n < 0 {
		errs = append(errs, fmt.Errorf("invalid --per-host %d: want 0 (default) or a positive integer, or adaptive[:[MIN-]MAX]", f.perHost.n))
	}
	if f.partSplitRows < 0 {
		errs = append(errs, fmt.Errorf("invalid --partition-split-rows %d: want 0 (default: twice --page-size) or a positive integer", f.partSplitRows))
	}
	if f.splitRowsGiven && f.noPartSplit {
		errs = append(errs, errors.New("--partition-split-rows applies only when large partitions are split, which --no-partition-split turns off"))
	}
	if f.splits < 0 || f.splits > ring.MaxSplits {
		errs = append(errs, fmt.Errorf("invalid --splits %d: want 0 (default) or a positive integer up to %d", f.splits, ring.MaxSplits))
	}
	if f.rate < 0 || math.IsNaN(f.rate) || math.IsInf(f.rate, 0) {
		errs = append(errs, fmt.Errorf("invalid --rate %v: want 0 (no ceiling) or a positive number of rows per second", f.rate))
	}
	if f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("invalid --timeout %v: want a positive duration such as 30s", f.timeout))
	}
	if f.connectTimeout <= 0 {
		errs = append(errs, fmt.Errorf("invalid --connect-timeout %v: want a positive duration such as 10s", f.connectTimeout))
	}
	if f.maxFailed < -1 {
		errs = append(errs, fmt.Errorf("invalid --max-failed-ranges %d: want -1, 0 or a positive integer", f.maxFailed))
	}
	shard, shards, err := parseShard(f.shard)
	if err != nil {
		errs = append(errs, err)
	}
	var shaped scanner.Config
	errs = append(errs, f.shape.apply(&shaped)...)
	if len(errs) > 0 {
		return scanner.Config{}, errors.Join(errs...)
	}
	cfg := scanner.Config{
		Keyspace: f.keyspace, Table: f.table, Columns: f.columns, PageSize: f.pageSize,
		Concurrency: f.concurrency, Splits: f.splits, PerHost: f.perHost.n, PerHostMode: f.perHost.mode, MinPerHost: f.perHost.min, Consistency: cl,
		Retries: int(f.retries), RequestTimeout: f.timeout, LocalDC: f.localDC, MaxFailedRanges: f.maxFailed,
		RowsPerSecond: f.rate, UseSizeEstimates: f.sizeEstimates, Shard: shard, Shards: shards,
		NoPartitionSplit: f.noPartSplit, PartitionSplitRows: f.partSplitRows, PageBytes: pageBytes(f.pageMiB),
	}
	cfg.Where, cfg.AllowFiltering, cfg.BeginToken, cfg.EndToken = shaped.Where, shaped.AllowFiltering, shaped.BeginToken, shaped.EndToken
	return cfg, cfg.Validate()
}

// pageBytes is scanner.Config.PageBytes for --page-mb: NoPageBytes for 0,
// else the MiB in bytes, at least one.
func pageBytes(mib float64) int {
	if mib == 0 {
		return scanner.NoPageBytes
	}
	return max(1, int(mib*(1<<20)))
}

// validPort tells whether s is a port number, 1..65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// checkTLS checks the TLS files before anything is created or connected:
// each must be readable and hold what its flag names, a CA certificate
// (--tls-ca) or a certificate with its key (--tls-cert, --tls-key), so
// that a wrong file is refused naming its flag rather than by the driver
// at connect.
func (f *connFlags) checkTLS() []error {
	if !f.tlsWanted() {
		return nil
	}
	var errs []error
	// Host verification as gocql's SslOptions.EnableHostVerification
	// gives it: verified unless --tls-insecure-skip-verify.
	conf := &tls.Config{InsecureSkipVerify: f.tlsInsecure}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together: give both or neither"))
	}
	if f.tlsCA != "" {
		pem, err := os.ReadFile(f.tlsCA)
		conf.RootCAs = x509.NewCertPool()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cannot read --tls-ca %s: %w", f.tlsCA, err))
		case !conf.RootCAs.AppendCertsFromPEM(pem):
			errs = append(errs, fmt.Errorf("invalid --tls-ca %s: no PEM certificate in it; want the CA certificate(s) in PEM", f.tlsCA))
		}
	}
	if f.tlsCert != "" && f.tlsKey != "" {
		var pems [2][]byte // read once: the pair is parsed from these bytes
		for i, p := range [][2]string{{"--tls-cert", f.tlsCert}, {"--tls-key", f.tlsKey}} {
			var err error
			if pems[i], err = os.ReadFile(p[1]); err != nil {
				errs = append(errs, fmt.Errorf("cannot read %s %s: %w", p[0], p[1], err))
			}
		}
		if len(errs) == 0 {
			pair, err := tls.X509KeyPair(pems[0], pems[1])
			if err != nil {
				errs = append(errs, fmt.Errorf("invalid --tls-cert %s or --tls-key %s: %w; want a PEM certificate and its PEM private key", f.tlsCert, f.tlsKey, err))
			}
			conf.Certificates = []tls.Certificate{pair}
		}
	}
	if len(errs) == 0 {
		f.tlsConf = conf
	}
	return errs
}

// tlsWanted reports whether a TLS flag is given: the session then
// connects over TLS.
func (f *connFlags) tlsWanted() bool {
	return f.tlsCA != "" || f.tlsCert != "" || f.tlsKey != "" || f.tlsInsecure
}

// password reads the password of --username from the first line of
// --password-file or, without one, from $RINGSCAN_PASSWORD. An empty
// password is an error that says where it was looked for.
func (f *connFlags) password() (string, error) {
	if f.passwordFile == "" {
		pw := os.Getenv("RINGSCAN_PASSWORD")
		if pw == "" {
			return "", errors.New("--username is set but no password: set $RINGSCAN_PASSWORD or --password-file")
		}
		return pw, nil
	}
	data, err := os.ReadFile(f.passwordFile)
	if err != nil {
		return "", fmt.Errorf("cannot read --password-file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pw := strings.TrimRight(line, "\r")
	switch {
	case len(data) == 0:
		return "", fmt.Errorf("--password-file %s is empty: want the password on its first line", f.passwordFile)
	case pw == "":
		return "", fmt.Errorf("--password-file %s has an empty first line: want the password on it", f.passwordFile)
	}
	return pw, nil
}

// session connects to the cluster, failing within --connect-timeout, or
// at once when ctx ends (an interrupt): gocql's CreateSession takes no
// context, so the session it may still return is closed in the background.
// It connects with the password and TLS configuration that scannerConfig
// read, which every command calls first.
func (f *connFlags) session(ctx context.Context, log *zap.Logger) (*gocql.Session, error) {
	if len(f.hosts) == 0 {
		return nil, errors.New("--hosts is empty: give at least one contact point")
	}
	if (f.username != "" && f.pw == "") || (f.tlsConf == nil && f.tlsWanted()) {
		// A command that did not run scannerConfig: never connect
		// without the credentials or the TLS its flags ask for.
		return nil, errors.New("internal error: the connection flags were not checked before connecting")
	}
	cl := scanner.NewClusterConfig(f.hosts...)
	cl.Port = f.port
	cl.Timeout = f.timeout
	cl.ConnectTimeout = f.connectTimeout
	cl.WriteTimeout = f.timeout
	cl.Logger = driverLogger(log)
	cl.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 1, Interval: time.Second}
	cl.NumConns = 2
	if f.username != "" {
		cl.Authenticator = gocql.PasswordAuthenticator{Username: f.username, Password: f.pw}
	}
	if f.tlsConf != nil {
		// The configuration made from the files checkTLS read, not their
		// paths, which gocql would read again: a file given as a pipe
		// (<(vault read ...)) is empty the second time.
		cl.SslOpts = &gocql.SslOptions{Config: f.tlsConf, EnableHostVerification: !f.tlsInsecure}
	}
	type result struct {
		s   *gocql.Session
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := cl.CreateSession()
		done <- result{s, err}
	}()
	deadline := time.NewTimer(f.connectTimeout + 2*time.Second)
	defer deadline.Stop()
	abandon := func() {
		go func() { // close the session if it ever comes
			if r := <-done; r.s != nil {
				r.s.Close()
			}
		}()
	}
	select {
	case r := <-done:
		if r.err != nil {
			return nil, connectError(f.hosts, f.port, r.err)
		}
		return r.s, nil
	case <-ctx.Done():
		abandon()
		return nil, context.Cause(ctx)
	case <-deadline.C:
		abandon()
		return nil, fmt.Errorf("cannot connect to %s (port %d) within --connect-timeout %v", strings.Join(f.hosts, ","), f.port, f.connectTimeout)
	}
}

// authRequired matches gocql's error for a cluster that asks for
// credentials none were given for: `authentication required (using
// "org.apache.cassandra.auth.PasswordAuthenticator")`.
var authRequired = regexp.MustCompile(`authentication required(?: \(using "([^"]*)"\))?`)

// connectError turns a driver error at connect into one line.
func connectError(hosts []string, port int, err error) error {
	msg := oneLine(err.Error())
	if m := authRequired.FindStringSubmatch(msg); m != nil {
		by := ""
		if m[1] != "" {
			by = " (" + m[1] + ")"
		}
		return fmt.Errorf("the cluster at %s requires authentication%s: give --username, with the password in $RINGSCAN_PASSWORD or --password-file",
			strings.Join(hosts, ","), by)
	}
	var re gocql.RequestError
	if errors.As(err, &re) && re.Code() == gocql.ErrCodeCredentials {
		return fmt.Errorf("authentication failed on %s: %s", strings.Join(hosts, ","), re.Message())
	}
	if strings.Contains(strings.ToLower(msg), "authentication") || strings.Contains(msg, "Provided username") {
		return fmt.Errorf("authentication failed on %s: %s", strings.Join(hosts, ","), msg)
	}
	return fmt.Errorf("cannot connect to %s (port %d): %s", strings.Join(hosts, ","), port, msg)
}

// driverLogger is the driver's logger, named "gocql", with the driver's
// warnings and errors logged at info level. They are its routine
// (reconnections, pools being filled, nodes going down and up, a control
// connection that cannot be made), which ringscan reports itself where it
// matters to a scan (a failed range, a session that cannot be made). And
// a session closed while its pools still connect warns about the
// cancelled dials after the command failed, so that a bad keyspace or
// checkpoint, exit 3, would print more than its one-line error.
func driverLogger(log *zap.Logger) gocql.StructuredLogger {
	return gocqlzap.NewUnnamedZapLogger(log.Named("gocql").WithOptions(
		zap.WrapCore(func(c zapcore.Core) zapcore.Core { return demoteWarnings{c} })))
}

// demoteWarnings is a core that logs warnings and errors at info level.
type demoteWarnings struct{ zapcore.Core }

func demote(l zapcore.Level) zapcore.Level {
	if l == zapcore.WarnLevel || l == zapcore.ErrorLevel {
		return zapcore.InfoLevel
	}
	return l
}

func (d demoteWarnings) Enabled(l zapcore.Level) bool { return d.Core.Enabled(demote(l)) }

func (d demoteWarnings) With(fields []zapcore.Field) zapcore.Core {
	return demoteWarnings{d.Core.With(fields)}
}

func (d demoteWarnings) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	e.Level = demote(e.Level)
	return d.Core.Check(e, ce)
}
