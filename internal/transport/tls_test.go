package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/internal/config"
)

// stores are key and trust stores made by keytool, as an operator has them.
type stores struct {
	dir string
	err error
}

var (
	storesOnce sync.Once
	storesVal  stores
)

func TestMain(m *testing.M) {
	code := m.Run()
	if storesVal.dir != "" {
		os.RemoveAll(storesVal.dir)
	}
	os.Exit(code)
}

// keytoolStores makes, once per test run:
//
//	broker.p12   PKCS12, CN=localhost, storepass secret
//	broker.jks   JKS,    CN=localhost, storepass secret, keypass keysecret
//	client.p12   PKCS12, CN=client, OU=Test, O=Acme, C=DE, storepass secret
//	other.p12    PKCS12, CN=intruder (not trusted by the broker)
//	broker.cer / client.cer   PEM exports
//	broker-trust.p12 / broker-trust.jks   trust stores holding client.cer
func keytoolStores(t *testing.T) string {
	t.Helper()
	kt, err := exec.LookPath("keytool")
	if err != nil {
		t.Skip("keytool not installed")
	}
	storesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "amq-keystores-")
		if err != nil {
			storesVal.err = err
			return
		}
		storesVal.dir = dir
		run := func(args ...string) error {
			cmd := exec.Command(kt, args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("keytool %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return nil
		}
		san := "SAN=ip:127.0.0.1,dns:localhost"
		steps := [][]string{
			{"-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2",
				"-storetype", "PKCS12", "-keystore", "broker.p12", "-storepass", "secret", "-keypass", "secret", "-ext", san},
			{"-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2",
				"-storetype", "JKS", "-keystore", "broker.jks", "-storepass", "secret", "-keypass", "keysecret", "-ext", san},
			{"-genkeypair", "-alias", "client", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=client, OU=Test, O=Acme, C=DE", "-validity", "2",
				"-storetype", "PKCS12", "-keystore", "client.p12", "-storepass", "secret", "-keypass", "secret"},
			{"-genkeypair", "-alias", "intruder", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=intruder", "-validity", "2",
				"-storetype", "PKCS12", "-keystore", "other.p12", "-storepass", "secret", "-keypass", "secret"},
			{"-exportcert", "-rfc", "-alias", "broker", "-keystore", "broker.p12", "-storepass", "secret", "-file", "broker.cer"},
			{"-exportcert", "-rfc", "-alias", "client", "-keystore", "client.p12", "-storepass", "secret", "-file", "client.cer"},
			{"-importcert", "-noprompt", "-alias", "client", "-file", "client.cer", "-storetype", "PKCS12", "-keystore", "broker-trust.p12", "-storepass", "secret"},
			{"-importcert", "-noprompt", "-alias", "client", "-file", "client.cer", "-storetype", "JKS", "-keystore", "broker-trust.jks", "-storepass", "secret"},
		}
		for _, s := range steps {
			if err := run(s...); err != nil {
				storesVal.err = err
				return
			}
		}
	})
	if storesVal.err != nil {
		t.Fatal(storesVal.err)
	}
	return storesVal.dir
}

func rootsFrom(t *testing.T, pemFile string) *x509.CertPool {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(data) {
		t.Fatalf("no certificates in %s", pemFile)
	}
	return p
}

// tlsServer listens on uri with cfg and answers every connection with the
// CN of the client certificate (or "-") after reading one line.
func tlsServer(t *testing.T, uri string, cfg *tls.Config) string {
	t.Helper()
	u, err := config.ParseConnectorURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 16)
				if _, err := c.Read(buf); err != nil {
					return
				}
				who := "-"
				if st, ok := TLSConnectionState(c); ok && len(st.VerifiedChains) > 0 {
					who = st.VerifiedChains[0][0].Subject.CommonName
				}
				io.WriteString(c, who+"\n")
			}()
		}
	}()
	return l.Addr().String()
}

// talk connects, says hello and returns the server's answer.
func talk(addr string, cfg *tls.Config) (string, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "hello\n"); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}

func TestPKCS12KeyStoreHandshake(t *testing.T) {
	dir := keytoolStores(t)
	// keyStoreType left at the parsed default (jks): the file decides.
	ctx := &config.SSLContext{KeyStore: "broker.p12", KeyStorePassword: "secret", KeyStoreType: "jks", TrustStoreType: "jks"}
	cfg, err := TLSConfig(ctx, func(p string) string { return filepath.Join(dir, p) }, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("MinVersion = %x", cfg.MinVersion)
	}
	addr := tlsServer(t, "stomp+ssl://127.0.0.1:0", cfg)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		got, err := talk(addr, &tls.Config{RootCAs: rootsFrom(t, filepath.Join(dir, "broker.cer")), ServerName: name})
		if err != nil {
			t.Fatalf("handshake (ServerName %s): %v", name, err)
		}
		if got != "-" {
			t.Fatalf("answer %q", got)
		}
	}
}

func TestJKSKeyStoreWithKeyPassword(t *testing.T) {
	dir := keytoolStores(t)
	ctx := &config.SSLContext{KeyStore: filepath.Join(dir, "broker.jks"), KeyStorePassword: "secret", KeyStoreKeyPassword: "keysecret"}
	cfg, err := TLSConfig(ctx, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, "ssl://127.0.0.1:0", cfg)
	leaf := cfg.Certificates[0].Leaf
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	if _, err := talk(addr, &tls.Config{RootCAs: pool, ServerName: "localhost"}); err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.CommonName != "localhost" {
		t.Fatalf("leaf %v", leaf.Subject)
	}
	// Without keyStoreKeyPassword the store password is tried, which is
	// wrong for this key.
	ctx.KeyStoreKeyPassword = ""
	_, err = TLSConfig(ctx, nil, false, false)
	if err == nil || !strings.Contains(err.Error(), "keystore "+ctx.KeyStore+": ") || !strings.Contains(err.Error(), "wrong key password") {
		t.Fatalf("err = %v", err)
	}
}

func TestNeedClientAuth(t *testing.T) {
	dir := keytoolStores(t)
	clientCerts, err := LoadKeyStore(filepath.Join(dir, "client.p12"), "PKCS12", "secret", "secret")
	if err != nil {
		t.Fatal(err)
	}
	otherCerts, err := LoadKeyStore(filepath.Join(dir, "other.p12"), "", "secret", "")
	if err != nil {
		t.Fatal(err)
	}
	roots := rootsFrom(t, filepath.Join(dir, "broker.cer"))
	for _, trust := range []struct{ file, typ string }{{"broker-trust.p12", "pkcs12"}, {"broker-trust.jks", "jks"}, {"client.cer", ""}} {
		t.Run(trust.file, func(t *testing.T) {
			ctx := &config.SSLContext{
				KeyStore: filepath.Join(dir, "broker.p12"), KeyStorePassword: "secret",
				TrustStore: filepath.Join(dir, trust.file), TrustStorePassword: "secret", TrustStoreType: trust.typ,
			}
			cfg, err := TLSConfig(ctx, nil, true, false)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
				t.Fatalf("ClientAuth %v, ClientCAs %v", cfg.ClientAuth, cfg.ClientCAs)
			}
			addr := tlsServer(t, "ssl://127.0.0.1:0", cfg)
			if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost"}); err == nil {
				t.Fatalf("accepted without a client certificate: %q", got)
			}
			if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: otherCerts}); err == nil {
				t.Fatalf("accepted an untrusted client certificate: %q", got)
			}
			got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: clientCerts})
			if err != nil {
				t.Fatal(err)
			}
			if got != "client" {
				t.Fatalf("server saw %q", got)
			}
		})
	}
}

func TestWantClientAuthFromURI(t *testing.T) {
	dir := keytoolStores(t)
	clientCerts, err := LoadKeyStore(filepath.Join(dir, "client.p12"), "", "secret", "secret")
	if err != nil {
		t.Fatal(err)
	}
	ctx := &config.SSLContext{KeyStore: filepath.Join(dir, "broker.p12"), KeyStorePassword: "secret",
		TrustStore: filepath.Join(dir, "broker-trust.p12"), TrustStorePassword: "secret"}
	base, err := TLSConfig(ctx, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, "stomp+nio+ssl://127.0.0.1:0?transport.wantClientAuth=true&transport.enabledProtocols=TLSv1.2,TLSv1.3", base)
	roots := rootsFrom(t, filepath.Join(dir, "broker.cer"))
	if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost"}); err != nil || got != "-" {
		t.Fatalf("without certificate: %q, %v", got, err)
	}
	if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: clientCerts}); err != nil || got != "client" {
		t.Fatalf("with certificate: %q, %v", got, err)
	}
	if base.ClientAuth != tls.NoClientCert {
		t.Fatal("Listen changed the shared configuration")
	}

	// needClientAuth without the prefix, as the ssl:// docs write it.
	addr = tlsServer(t, "ssl://127.0.0.1:0?needClientAuth=true", base)
	if _, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost"}); err == nil {
		t.Fatal("needClientAuth=true accepted a client without a certificate")
	}
}

func TestServerTLSOptions(t *testing.T) {
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	u, _ := config.ParseConnectorURI("ssl://0.0.0.0:61617?transport.enabledProtocols=TLSv1.3")
	c, err := ServerTLS(base, u)
	if err != nil || c.MinVersion != tls.VersionTLS13 || c.MaxVersion != tls.VersionTLS13 {
		t.Fatalf("%v %x %x", err, c.MinVersion, c.MaxVersion)
	}
	u, _ = config.ParseConnectorURI("ssl://0.0.0.0:61617?transport.enabledProtocols=TLSv1,TLSv1.1")
	if _, err := ServerTLS(base, u); err == nil {
		t.Fatal("TLS 1.0/1.1 only accepted")
	}
	u, _ = config.ParseConnectorURI("ssl://0.0.0.0:61617?transport.enabledCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256")
	c, err = ServerTLS(base, u)
	if err != nil || len(c.CipherSuites) != 1 || c.CipherSuites[0] != tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Fatalf("%v %v", err, c.CipherSuites)
	}
	u, _ = config.ParseConnectorURI("ssl://0.0.0.0:61617?transport.enabledCipherSuites=SSL_RSA_WITH_RC4_128_MD5")
	if _, err := ServerTLS(base, u); err == nil {
		t.Fatal("unknown suite accepted")
	}
	u, _ = config.ParseConnectorURI("ssl://0.0.0.0:61617?needClientAuth=maybe")
	if _, err := ServerTLS(base, u); err == nil {
		t.Fatal("bad boolean accepted")
	}
	u, _ = config.ParseConnectorURI("ssl://127.0.0.1:0")
	if _, err := Listen(u, nil); err == nil || !strings.Contains(err.Error(), "sslContext") {
		t.Fatalf("ssl without TLS config: %v", err)
	}
}

func TestStoreErrors(t *testing.T) {
	dir := keytoolStores(t)
	p12 := filepath.Join(dir, "broker.p12")
	jks := filepath.Join(dir, "broker.jks")
	junk := filepath.Join(t.TempDir(), "junk.ks")
	os.WriteFile(junk, []byte("not a key store"), 0o600)
	cases := []struct {
		name string
		ctx  config.SSLContext
		want string
	}{
		{"p12 wrong password", config.SSLContext{KeyStore: p12, KeyStorePassword: "nope"}, "keystore " + p12 + ": wrong password or corrupt file"},
		{"jks wrong password", config.SSLContext{KeyStore: jks, KeyStorePassword: "nope", KeyStoreKeyPassword: "keysecret"}, "keystore " + jks + ": wrong password or corrupt file"},
		{"missing", config.SSLContext{KeyStore: filepath.Join(dir, "nope.ks"), KeyStorePassword: "x"}, "keystore " + filepath.Join(dir, "nope.ks") + ": file not found"},
		{"trust wrong password", config.SSLContext{KeyStore: p12, KeyStorePassword: "secret", TrustStore: filepath.Join(dir, "broker-trust.p12"), TrustStorePassword: "nope"},
			"truststore " + filepath.Join(dir, "broker-trust.p12") + ": wrong password or corrupt file"},
		{"trust jks wrong password", config.SSLContext{KeyStore: p12, KeyStorePassword: "secret", TrustStore: filepath.Join(dir, "broker-trust.jks"), TrustStorePassword: "nope"},
			"truststore " + filepath.Join(dir, "broker-trust.jks") + ": wrong password or corrupt file"},
		{"trust store as key store", config.SSLContext{KeyStore: filepath.Join(dir, "broker-trust.p12"), KeyStorePassword: "secret"}, "no private key entry"},
		{"no keyStore", config.SSLContext{TrustStore: p12}, "no keyStore"},
		{"garbage", config.SSLContext{KeyStore: junk, KeyStorePassword: "x"}, "keystore " + junk + ": not a JKS, PKCS12 or PEM file (declared type jks)"},
		{"garbage trust", config.SSLContext{KeyStore: p12, KeyStorePassword: "secret", TrustStore: junk, TrustStoreType: "PKCS12"}, "truststore " + junk + ": not a JKS, PKCS12 or PEM file (declared type PKCS12)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := TLSConfig(&c.ctx, nil, false, false)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(c.want, "wrong password") && !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("%v is not ErrWrongPassword", err)
			}
		})
	}
	if _, err := TLSConfig(nil, nil, false, false); err == nil {
		t.Fatal("nil sslContext accepted")
	}
}

func TestJKSTrustStoreWithoutPassword(t *testing.T) {
	dir := keytoolStores(t)
	certs, err := LoadTrustStore(filepath.Join(dir, "broker-trust.jks"), "jks", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || certs[0].Subject.CommonName != "client" {
		t.Fatalf("%v", certs)
	}
	// A key store used as trust store trusts its key entry's certificate.
	certs, err = LoadTrustStore(filepath.Join(dir, "broker.p12"), "", "secret")
	if err != nil || len(certs) != 1 || certs[0].Subject.CommonName != "localhost" {
		t.Fatalf("%v %v", certs, err)
	}
	certs, err = LoadTrustStore(filepath.Join(dir, "broker.jks"), "", "secret")
	if err != nil || len(certs) != 1 || certs[0].Subject.CommonName != "localhost" {
		t.Fatalf("%v %v", certs, err)
	}
}

func TestPKCS12WithSeveralKeys(t *testing.T) {
	dir := keytoolStores(t)
	kt, _ := exec.LookPath("keytool")
	d := t.TempDir()
	for _, alias := range []string{"rsa", "ec"} {
		alg := []string{"-keyalg", "RSA", "-keysize", "2048"}
		if alias == "ec" {
			alg = []string{"-keyalg", "EC", "-groupname", "secp256r1"}
		}
		args := append([]string{"-genkeypair", "-alias", alias}, alg...)
		args = append(args, "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", "multi.p12", "-storepass", "secret", "-keypass", "secret")
		cmd := exec.Command(kt, args...)
		cmd.Dir = d
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	_ = dir
	certs, err := LoadKeyStore(filepath.Join(d, "multi.p12"), "PKCS12", "secret", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 {
		t.Fatalf("%d certificates", len(certs))
	}
}

// writeSelfSigned writes a PEM certificate and key for localhost.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte, key *ecdsa.PrivateKey, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), key, cert
}

func TestPEMKeyStores(t *testing.T) {
	certPEM, keyPEM, _, cert := selfSigned(t)
	d := t.TempDir()
	write := func(name string, data ...[]byte) string {
		p := filepath.Join(d, name)
		var all []byte
		for _, b := range data {
			all = append(all, b...)
		}
		if err := os.WriteFile(p, all, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	combined := write("server.pem", keyPEM, certPEM)
	write("split.crt", certPEM)
	write("split.key", keyPEM)
	write("a.pem", certPEM)
	write("b.pem", keyPEM)
	write("lonely.pem", certPEM)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	for _, ks := range []string{combined, filepath.Join(d, "split.crt"), filepath.Join(d, "a.pem") + ",b.pem"} {
		t.Run(filepath.Base(ks), func(t *testing.T) {
			// keyStoreType says jks (the parsed default); the contents say PEM.
			cfg, err := TLSConfig(&config.SSLContext{KeyStore: ks, KeyStoreType: "jks", TrustStore: filepath.Join(d, "a.pem")}, nil, false, false)
			if err != nil {
				t.Fatal(err)
			}
			addr := tlsServer(t, "ssl://127.0.0.1:0", cfg)
			if _, err := talk(addr, &tls.Config{RootCAs: pool, ServerName: "localhost"}); err != nil {
				t.Fatal(err)
			}
		})
	}
	_, err := TLSConfig(&config.SSLContext{KeyStore: filepath.Join(d, "lonely.pem")}, nil, false, false)
	if err == nil || !strings.Contains(err.Error(), "no PRIVATE KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestEncryptedPEMKey(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	d := t.TempDir()
	certPEM, keyPEM, _, cert := selfSigned(t)
	os.WriteFile(filepath.Join(d, "plain.key"), keyPEM, 0o600)
	os.WriteFile(filepath.Join(d, "server.crt"), certPEM, 0o600)
	for _, alg := range []string{"aes-256-cbc", "aes-128-cbc", "des3"} {
		cmd := exec.Command(openssl, "pkcs8", "-topk8", "-v2", alg, "-in", "plain.key", "-out", "server-"+alg+".key", "-passout", "pass:pemsecret")
		cmd.Dir = d
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		ks := filepath.Join(d, "server.crt") + ",server-" + alg + ".key"
		cfg, err := TLSConfig(&config.SSLContext{KeyStore: ks, KeyStorePassword: "pemsecret"}, nil, false, false)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if !cfg.Certificates[0].Leaf.Equal(cert) {
			t.Fatal("wrong certificate")
		}
		_, err = TLSConfig(&config.SSLContext{KeyStore: ks, KeyStorePassword: "wrong"}, nil, false, false)
		if !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "server-"+alg+".key") {
			t.Fatalf("%s wrong password: %v", alg, err)
		}
	}
}

func TestSniffFormat(t *testing.T) {
	cases := map[string][]byte{
		FormatJKS:    {0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2},
		FormatJCEKS:  {0xce, 0xce, 0xce, 0xce},
		FormatPEM:    []byte("\n-----BEGIN CERTIFICATE-----\n"),
		FormatPKCS12: {0x30, 0x82, 0x01},
		"":           []byte("hello"),
	}
	for want, data := range cases {
		if got := SniffFormat(data); got != want {
			t.Errorf("%q: got %q, want %q", data, got, want)
		}
	}
}

func TestSSLContextFromOpts(t *testing.T) {
	ctx := SSLContextFromOpts(`-Djavax.net.ssl.keyStorePassword=password -Djavax.net.ssl.trustStorePassword=password -Djavax.net.ssl.keyStore="/opt/activemq/conf/broker.ks" -Djavax.net.ssl.trustStore=/opt/activemq/conf/broker.ts -Djavax.net.ssl.keyStoreType=pkcs12`)
	if ctx == nil || ctx.KeyStore != "/opt/activemq/conf/broker.ks" || ctx.KeyStorePassword != "password" || ctx.TrustStore != "/opt/activemq/conf/broker.ts" || ctx.KeyStoreType != "pkcs12" || ctx.TrustStoreType != "jks" {
		t.Fatalf("%+v", ctx)
	}
	if SSLContextFromOpts("-Xmx1g") != nil {
		t.Fatal("context without key store")
	}
}

func TestCRL(t *testing.T) {
	d := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) tls.Certificate {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{"localhost"}, ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	server := issue(10, "localhost", x509.ExtKeyUsageServerAuth)
	good := issue(11, "good", x509.ExtKeyUsageClientAuth)
	revoked := issue(12, "revoked", x509.ExtKeyUsageClientAuth)
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(12), RevocationTime: time.Now()}}}, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(server.PrivateKey)
	os.WriteFile(filepath.Join(d, "server.pem"), append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate[0]}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...), 0o600)
	os.WriteFile(filepath.Join(d, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)
	os.WriteFile(filepath.Join(d, "ca.crl"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER}), 0o600)
	cfg, err := TLSConfig(&config.SSLContext{KeyStore: filepath.Join(d, "server.pem"), TrustStore: filepath.Join(d, "ca.pem"), CRLPath: filepath.Join(d, "ca.crl")}, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, "ssl://127.0.0.1:0", cfg)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{good}}); err != nil || got != "good" {
		t.Fatalf("good: %q %v", got, err)
	}
	if got, err := talk(addr, &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: []tls.Certificate{revoked}}); err == nil {
		t.Fatalf("revoked certificate accepted: %q", got)
	}
}
