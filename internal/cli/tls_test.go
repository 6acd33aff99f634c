package cli_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/cli"
)

// certs are PEM files of a CA, a server certificate for the loopback node
// addresses and a client certificate, all made for the test.
type certs struct {
	dir                                    string
	ca, serverCert, serverKey, client, key string
	serverTLS                              tls.Certificate
	pool                                   *x509.CertPool
}

func newCerts(t *testing.T, name string) certs {
	t.Helper()
	dir := t.TempDir()
	c := certs{dir: dir}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	c.pool = x509.NewCertPool()
	c.pool.AddCert(caCert)
	c.ca = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)

	issue := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		require.NoError(t, err)
		return der, key
	}
	var ips []net.IP
	for i := 1; i <= 3; i++ {
		ips = append(ips, net.IPv4(127, 0, 0, byte(i)))
	}
	srvDER, srvKey := issue(2, x509.ExtKeyUsageServerAuth, ips)
	c.serverCert = writePEM(t, dir, "server.pem", "CERTIFICATE", srvDER)
	srvKeyDER, err := x509.MarshalECPrivateKey(srvKey)
	require.NoError(t, err)
	c.serverKey = writePEM(t, dir, "server.key", "EC PRIVATE KEY", srvKeyDER)
	c.serverTLS, err = tls.LoadX509KeyPair(c.serverCert, c.serverKey)
	require.NoError(t, err)
	cliDER, cliKey := issue(3, x509.ExtKeyUsageClientAuth, nil)
	c.client = writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER)
	cliKeyDER, err := x509.MarshalECPrivateKey(cliKey)
	require.NoError(t, err)
	c.key = writePEM(t, dir, "client.key", "EC PRIVATE KEY", cliKeyDER)
	return c
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
	return path
}

// TestTLS runs count against a cluster that serves TLS only and requires
// client certificates.
func TestTLS(t *testing.T) {
	t.Parallel()
	good := newCerts(t, "ringscan-test")
	other := newCerts(t, "someone-else")
	// On the addresses the certificates name, whatever RINGSCAN_SIM_ADDRESS says.
	s := startSim(t, cqlsim.Config{Nodes: 3, Address: "127.0.0.1", TLS: &tls.Config{
		Certificates: []tls.Certificate{good.serverTLS}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: good.pool,
	}}, cqlsim.DemoConfig{Rows: 2000})
	total := strconv.FormatInt(s.info.Rows, 10)
	quick := []string{"--quiet", "--connect-timeout", "3s"}

	t.Run("verified with a client certificate", func(t *testing.T) {
		r := run(t, s.args("count", append(quick, "--tls-ca", good.ca, "--tls-cert", good.client, "--tls-key", good.key)...)...)
		requireOK(t, r)
		require.Equal(t, total, strings.TrimSpace(r.stdout))
	})
	t.Run("skip verify, still with a client certificate", func(t *testing.T) {
		r := run(t, s.args("count", append(quick, "--tls-insecure-skip-verify", "--tls-cert", good.client, "--tls-key", good.key)...)...)
		requireOK(t, r)
		require.Equal(t, total, strings.TrimSpace(r.stdout))
	})
	tests := []struct {
		name  string
		flags []string
		parts []string
	}{
		{"no TLS", nil, []string{"cannot connect"}},
		{"no client certificate", []string{"--tls-ca", good.ca}, []string{"cannot connect"}},
		{"server signed by an unknown CA", []string{"--tls-ca", other.ca, "--tls-cert", good.client, "--tls-key", good.key}, []string{"cannot connect"}},
		{"client certificate of an unknown CA", []string{"--tls-ca", good.ca, "--tls-cert", other.client, "--tls-key", other.key}, []string{"cannot connect"}},
		{"cert without key", []string{"--tls-ca", good.ca, "--tls-cert", good.client}, []string{"--tls-cert and --tls-key go together"}},
		{"missing CA file", []string{"--tls-ca", filepath.Join(good.dir, "nope.pem")}, []string{"--tls-ca", "nope.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, s.args("count", append(quick, tt.flags...)...)...)
			requireOneLineError(t, r, cli.ExitBadInput, tt.parts...)
		})
	}
}
