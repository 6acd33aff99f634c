package ringscanio

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/scanner"
)

// ErrInvalidConfig is wrapped by every Config validation error.
var ErrInvalidConfig = errors.New("invalid ringscanio config")

// Config describes a read. Beam serializes it into the pipeline as JSON
// and every worker connects with it, so it holds no secret: a password is
// read on each worker from the environment variable PasswordEnv names.
// Zero fields take their defaults.
type Config struct {
	// Hosts are the contact points, "host" or "host:port". Required.
	Hosts []string
	// Port is the native protocol port. Default 9042.
	Port int
	// Keyspace and Table name the table to read. Required. Names are
	// case-sensitive as stored (unquoted CQL names are lower case).
	Keyspace, Table string
	// Columns are the columns to read, in order (see scanner.Config).
	// Default: all columns.
	Columns []string
	// Where is a CQL condition ANDed to every statement, and
	// AllowFiltering appends ALLOW FILTERING (see scanner.Config).
	// Default: none.
	Where          string
	AllowFiltering bool
	// BeginToken and EndToken restrict the read to the tokens in
	// (BeginToken, EndToken] (see scanner.Config). Default: the whole ring.
	BeginToken, EndToken string
	// LocalDC, when set, keeps every request in that data center.
	LocalDC string
	// Consistency is the read consistency level by name: ONE, TWO, THREE,
	// QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE. Default LOCAL_ONE.
	Consistency string
	// PageSize is the number of rows asked for per page. Default 5000.
	PageSize int
	// PageBytes bounds the bytes of values a page is asked to hold, as
	// scanner.Config.PageBytes does (the reads of one worker process share
	// one mean row size, that of the rows it read). Default 8 MiB; scanner.NoPageBytes (-1): no bound.
	PageBytes int
	// Splits is the number of subranges of the plan, and so of the initial
	// restrictions the runner spreads over its workers; never fewer than
	// the ring's vnode ranges. Runners split restrictions further while
	// they run (dynamic work rebalancing). Default 32.
	Splits int
	// UseSizeEstimates weights the plan by system.size_estimates; the
	// restrictions' sizes are then estimated bytes. Default false: sizes are
	// ring shares, right relative to each other but in no unit.
	UseSizeEstimates bool
	// PerHost caps the page requests in flight to any one host from one
	// worker process, over all the restrictions it reads at once. N
	// workers send up to N × PerHost requests to a node: divide the
	// cluster's budget by N. Default: what one ringscan process allows,
	// twice an even share of 32 over the ring's hosts, at least 8.
	PerHost int
	// PerHostMode is "fixed" (PerHost is the cap) or "adaptive": each
	// host's cap follows its latency, Overloaded answers and timeouts
	// between MinPerHost and PerHost (ringscan's --per-host adaptive, see
	// docs/design.md), learnt from all the restrictions a worker process
	// reads at once. Each worker adapts on its own; N adaptive workers
	// back off together when a node slows down. Default "fixed".
	PerHostMode string
	// MinPerHost is the adaptive cap's floor. Default 1.
	MinPerHost int
	// RowsPerSecond caps the rows one worker process reads per second; N
	// workers read up to N times as many. Default 0: no cap.
	RowsPerSecond float64
	// Retries is how many times a failing page is retried, with backoff,
	// on the next replica, before the bundle fails (the runner then retries
	// the bundle). Default 8; -1 for none.
	Retries int
	// BackoffBase and BackoffMax bound the wait before a retry. Defaults
	// 100ms and 5s.
	BackoffBase, BackoffMax time.Duration
	// RequestTimeout bounds one page request. Default 30s.
	RequestTimeout time.Duration
	// ConnectTimeout bounds connecting to the cluster. Default 10s.
	ConnectTimeout time.Duration
	// Username turns on PasswordAuthenticator. Default: none.
	Username string
	// PasswordEnv names the environment variable that holds the password
	// on every worker. Default RINGSCAN_PASSWORD.
	PasswordEnv string
	// TLSCAFile, TLSCertFile and TLSKeyFile are PEM files, on every
	// worker, that turn TLS on; TLSInsecureSkipVerify does not verify the
	// server's certificate and host name. Default: no TLS.
	TLSCAFile, TLSCertFile, TLSKeyFile string
	TLSInsecureSkipVerify              bool
}

// Defaults of Config's fields that are not the scanner's.
const (
	DefaultPort           = 9042
	DefaultConnectTimeout = 10 * time.Second
	DefaultPasswordEnv    = "RINGSCAN_PASSWORD"
	DefaultSplits         = 32
)

// readLevels are the consistency levels a read can use.
const readLevels = "ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE"

// Validate reports every problem of c at once, each naming the field and
// what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if len(c.Hosts) == 0 {
		bad("Hosts is empty: give at least one contact point, host or host:port")
	}
	for i, h := range c.Hosts {
		if strings.TrimSpace(h) == "" {
			bad("Hosts[%d] is empty: want host or host:port", i)
		}
	}
	if c.Port < 0 || c.Port > 65535 {
		bad("Port is %d; it must be 1..65535 (0 for the default %d)", c.Port, DefaultPort)
	}
	if _, err := c.consistency(); err != nil {
		bad("%v", err)
	}
	if c.ConnectTimeout < 0 {
		bad("ConnectTimeout is %v; it must be positive (0 for the default %v)", c.ConnectTimeout, DefaultConnectTimeout)
	}
	if c.PasswordEnv != "" && c.Username == "" {
		bad("PasswordEnv is set without Username")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("TLSCertFile and TLSKeyFile go together: give both or neither")
	}
	sc, _ := c.scannerConfig()
	if err := sc.Validate(); err != nil {
		for _, e := range unjoin(err) {
			errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.TrimPrefix(e.Error(), scanner.ErrInvalidConfig.Error()+": ")))
		}
	}
	return errors.Join(errs...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// consistency parses Consistency; "" is the scanner's default.
func (c Config) consistency() (gocql.Consistency, error) {
	if c.Consistency == "" {
		return 0, nil
	}
	cl, err := gocql.ParseConsistencyWrapper(strings.ToUpper(strings.TrimSpace(c.Consistency)))
	if err != nil || cl == gocql.Any || cl == gocql.Serial || cl == gocql.LocalSerial {
		return 0, fmt.Errorf("Consistency %q cannot be used for reads: allowed are %s", c.Consistency, readLevels)
	}
	return cl, nil
}

// scannerConfig is the scan c describes.
func (c Config) scannerConfig() (scanner.Config, error) {
	cl, err := c.consistency()
	splits := c.Splits
	if splits == 0 {
		splits = DefaultSplits
	}
	return scanner.Config{
		Keyspace: c.Keyspace, Table: c.Table, Columns: c.Columns, Where: c.Where, AllowFiltering: c.AllowFiltering,
		BeginToken: c.BeginToken, EndToken: c.EndToken, LocalDC: c.LocalDC, Consistency: cl, PageSize: c.PageSize, PageBytes: c.PageBytes,
		Splits: splits, UseSizeEstimates: c.UseSizeEstimates, PerHost: c.PerHost, PerHostMode: scanner.PerHostMode(c.PerHostMode),
		MinPerHost: c.MinPerHost, RowsPerSecond: c.RowsPerSecond,
		Retries: c.Retries, BackoffBase: c.BackoffBase, BackoffMax: c.BackoffMax, RequestTimeout: c.RequestTimeout,
	}, err
}

// clusterConfig is the driver configuration a worker connects with.
func (c Config) clusterConfig() (*gocql.ClusterConfig, error) {
	sc, err := c.scannerConfig()
	if err != nil {
		return nil, err
	}
	sc = sc.EnsureDefaults()
	cl := scanner.NewClusterConfig(c.Hosts...)
	cl.Port = c.Port
	if cl.Port == 0 {
		cl.Port = DefaultPort
	}
	cl.Timeout, cl.WriteTimeout = sc.RequestTimeout, sc.RequestTimeout
	cl.ConnectTimeout = c.ConnectTimeout
	if cl.ConnectTimeout == 0 {
		cl.ConnectTimeout = DefaultConnectTimeout
	}
	cl.Logger = gocql.NewLogger(gocql.LogLevelNone)
	cl.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 3, Interval: time.Second}
	if c.Username != "" {
		env := c.PasswordEnv
		if env == "" {
			env = DefaultPasswordEnv
		}
		pw := os.Getenv(env)
		if pw == "" {
			return nil, fmt.Errorf("%w: Username is set but $%s is empty on this worker", ErrInvalidConfig, env)
		}
		cl.Authenticator = gocql.PasswordAuthenticator{Username: c.Username, Password: pw}
	}
	if c.TLSCAFile != "" || c.TLSCertFile != "" || c.TLSInsecureSkipVerify {
		cl.SslOpts = &gocql.SslOptions{CaPath: c.TLSCAFile, CertPath: c.TLSCertFile, KeyPath: c.TLSKeyFile,
			EnableHostVerification: !c.TLSInsecureSkipVerify}
	}
	return cl, nil
}
