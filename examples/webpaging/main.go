package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/gocqlzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/pager"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("webpaging", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	hosts := fs.String("hosts", "", "Cassandra contact points, comma separated; empty starts an embedded cqlsim cluster with demo rows")
	port := fs.Int("port", 9042, "native protocol port of -hosts")
	rows := fs.Int("rows", 10000, "demo rows of the embedded cluster")
	pageSize := fs.Int("page-size", 20, "default page size")
	maxPageSize := fs.Int("max-page-size", 200, "largest page size a client may ask for")
	maxPage := fs.Int("max-page", 50, "largest page number /events/page serves (from 0)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(stderr), zap.InfoLevel))
	if err := serve(ctx, config{
		addr: *addr, hosts: *hosts, port: *port, rows: *rows, key: []byte(getenv("WEBPAGING_CURSOR_KEY")),
		pager: pager.Config{DefaultPageSize: *pageSize, MaxPageSize: *maxPageSize, MaxOffsetPage: *maxPage},
	}, log, stdout); err != nil {
		fmt.Fprintln(stderr, "webpaging:", err)
		return 1
	}
	return 0
}

type config struct {
	addr, hosts string
	port, rows  int
	key         []byte
	pager       pager.Config
}

func serve(ctx context.Context, cfg config, log *zap.Logger, stdout io.Writer) error {
	if len(cfg.key) == 0 {
		log.Warn("WEBPAGING_CURSOR_KEY is not set: using a random key, cursors will not survive a restart")
		cfg.key = make([]byte, 32)
		_, _ = rand.Read(cfg.key) // never fails
	}
	cfg.pager.Key = cfg.key
	if err := cfg.pager.Validate(); err != nil {
		return err
	}
	hosts, port := strings.Split(cfg.hosts, ","), cfg.port
	if cfg.hosts == "" {
		c, err := cqlsim.Start(ctx, cqlsim.Config{Port: cqlsim.AutoPort})
		if err != nil {
			return err
		}
		defer c.Close()
		info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: cfg.rows})
		if err != nil {
			return err
		}
		log.Info("embedded cluster", zap.Strings("hosts", c.Hosts()), zap.Int("port", c.Port()), zap.Int64("rows", info.Rows))
		hosts, port = c.Hosts(), c.Port()
	}
	cluster := gocql.NewCluster(hosts...)
	cluster.Port = port
	cluster.Logger = gocqlzap.NewUnnamedZapLogger(log.Named("gocql"))
	session, err := cluster.CreateSession()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer session.Close()
	p, err := pager.New(session, cfg.pager)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newHandler(p, log), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
