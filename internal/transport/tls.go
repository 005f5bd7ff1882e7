// Package transport opens the broker's listening sockets: plain TCP, TLS
// with the Java key stores ActiveMQ installations already have (JKS,
// PKCS12, and PEM files as an extension), and WebSocket (ws, wss) for
// STOMP over WebSocket.
package transport

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"

	"amq/internal/config"
)

// Key store formats.
const (
	FormatJKS    = "jks"
	FormatPKCS12 = "pkcs12"
	FormatPEM    = "pem"
	FormatJCEKS  = "jceks"
)

// TLSConfig builds a server TLS configuration from an <sslContext>:
//
//   - keyStore: the broker's key and certificate chain, as JKS or PKCS12
//     (what keytool writes) or PEM. The format comes from the file's
//     contents; keyStoreType only decides when the contents do not (JKS
//     files start with 0xFEEDFEED, PEM with -----BEGIN, PKCS12 is DER).
//     A PEM key store is one file with the certificate chain and the key,
//     "cert.pem,key.pem", or a certificate file next to a key file with
//     the same name and the extension .key.
//   - keyStoreKeyPassword, or else keyStorePassword, unlocks the key.
//   - trustStore: the certificates that client certificates must chain to
//     (ClientCAs, also set as RootCAs). Without it the system roots apply.
//   - crlPath: a CRL (PEM or DER); client certificates it lists are refused.
//
// needClientAuth requires a verified client certificate, wantClientAuth
// verifies one if the client offers it. resolve, if not nil, maps each
// file name first (for example config.Config.ResolvePath). The minimum
// version is TLS 1.2.
func TLSConfig(ctx *config.SSLContext, resolve func(string) string, needClientAuth, wantClientAuth bool) (*tls.Config, error) {
	if ctx == nil {
		return nil, errors.New("TLS transport needs an <sslContext> with a keyStore (or ACTIVEMQ_SSL_OPTS with -Djavax.net.ssl.keyStore)")
	}
	if resolve == nil {
		resolve = func(s string) string { return s }
	}
	if ctx.KeyStore == "" {
		return nil, errors.New("<sslContext> has no keyStore: a TLS transport needs the broker's key and certificate")
	}
	keyPass := ctx.KeyStoreKeyPassword
	if keyPass == "" {
		keyPass = ctx.KeyStorePassword
	}
	certs, err := LoadKeyStore(resolve(ctx.KeyStore), ctx.KeyStoreType, ctx.KeyStorePassword, keyPass)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: certs,
	}
	if ctx.TrustStore != "" {
		roots, err := LoadTrustStore(resolve(ctx.TrustStore), ctx.TrustStoreType, ctx.TrustStorePassword)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		for _, c := range roots {
			pool.AddCert(c)
		}
		cfg.ClientCAs = pool
		cfg.RootCAs = pool
	}
	if ctx.CRLPath != "" {
		crl, err := loadCRL(resolve(ctx.CRLPath))
		if err != nil {
			return nil, err
		}
		cfg.VerifyPeerCertificate = crl.verify
	}
	switch {
	case needClientAuth:
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case wantClientAuth:
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// StoreError is a key or trust store that cannot be used.
type StoreError struct {
	Kind string // "keystore" or "truststore"
	File string
	Err  error
}

func (e *StoreError) Error() string { return e.Kind + " " + e.File + ": " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// ErrWrongPassword is wrapped by StoreErrors for a wrong password (or a
// file too damaged to tell).
var ErrWrongPassword = errors.New("wrong password or corrupt file")

// SniffFormat tells a key store's format from its first bytes: jks, jceks,
// pem or pkcs12; "" when it cannot tell.
func SniffFormat(data []byte) string {
	if len(data) >= 4 {
		switch binary.BigEndian.Uint32(data) {
		case 0xFEEDFEED:
			return FormatJKS
		case 0xCECECECE:
			return FormatJCEKS
		}
	}
	t := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if bytes.HasPrefix(t, []byte("-----BEGIN")) || bytes.Contains(data[:min(len(data), 4096)], []byte("\n-----BEGIN ")) {
		return FormatPEM
	}
	if len(data) > 0 && data[0] == 0x30 {
		return FormatPKCS12
	}
	return ""
}

// formatOf is the format of a store: what its contents say (Java 17 also
// reads a PKCS12 file declared as JKS and the reverse). Contents that are
// none of them are reported with the declared type.
func formatOf(data []byte, declared string) string {
	if f := SniffFormat(data); f != "" {
		return f
	}
	if declared == "" {
		declared = "jks"
	}
	return "unknown:" + declared
}

// LoadKeyStore reads the broker's keys and certificate chains. storePass
// checks the store's integrity (JKS, PKCS12); keyPass unlocks the keys.
// Every key entry becomes a certificate (Go picks one per handshake, as
// Java's key manager does).
func LoadKeyStore(file, storeType, storePass, keyPass string) ([]tls.Certificate, error) {
	fail := func(err error) ([]tls.Certificate, error) {
		return nil, &StoreError{Kind: "keystore", File: file, Err: err}
	}
	if _, err := os.Stat(file); err != nil && strings.Contains(file, ",") {
		certFile, keyFile, _ := strings.Cut(file, ",")
		return loadPEMPair(strings.TrimSpace(certFile), strings.TrimSpace(keyFile), keyPass)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(readErr(err))
	}
	var certs []tls.Certificate
	switch f := formatOf(data, storeType); f {
	case FormatJKS:
		certs, err = jksKeys(data, storePass, keyPass)
	case FormatPKCS12:
		certs, err = pkcs12Keys(data, storePass, keyPass)
	case FormatPEM:
		return loadPEMPair(file, "", keyPass)
	case FormatJCEKS:
		err = errors.New("JCEKS key stores are not supported; convert with keytool -importkeystore -deststoretype PKCS12")
	default:
		err = unknownFormat(f)
	}
	if err != nil {
		return fail(err)
	}
	if len(certs) == 0 {
		return fail(errors.New("no private key entry (a key store needs the broker's key and certificate; is this a trust store?)"))
	}
	return certs, nil
}

func unknownFormat(f string) error {
	declared := strings.TrimPrefix(f, "unknown:")
	return fmt.Errorf("not a JKS, PKCS12 or PEM file (declared type %s); damaged, or the wrong file?", declared)
}

func readErr(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("file not found")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func jksKeys(data []byte, storePass, keyPass string) ([]tls.Certificate, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(storePass)); err != nil {
		if strings.Contains(err.Error(), "digest") {
			return nil, ErrWrongPassword
		}
		return nil, fmt.Errorf("%w (%v)", ErrWrongPassword, err)
	}
	var certs []tls.Certificate
	for _, alias := range ks.Aliases() {
		if !ks.IsPrivateKeyEntry(alias) {
			continue
		}
		e, err := ks.GetPrivateKeyEntry(alias, []byte(keyPass))
		if err != nil && storePass != keyPass {
			e, err = ks.GetPrivateKeyEntry(alias, []byte(storePass))
		}
		if err != nil {
			return nil, fmt.Errorf("key %q: wrong key password (keyStoreKeyPassword) or corrupt entry", alias)
		}
		key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", alias, err)
		}
		var chain []*x509.Certificate
		for i, c := range e.CertificateChain {
			if c.Type != "" && c.Type != "X.509" && c.Type != "X509" {
				return nil, fmt.Errorf("key %q: certificate type %s is not supported", alias, c.Type)
			}
			x, err := x509.ParseCertificate(c.Content)
			if err != nil {
				return nil, fmt.Errorf("key %q: certificate %d: %v", alias, i, err)
			}
			chain = append(chain, x)
		}
		cert, err := tlsCertificate(key, chain)
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", alias, err)
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

func pkcs12Keys(data []byte, storePass, keyPass string) ([]tls.Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, storePass)
	if err != nil && keyPass != storePass && isPKCS12PasswordErr(err) {
		key, leaf, cas, err = pkcs12.DecodeChain(data, keyPass)
	}
	if err != nil {
		if isPKCS12PasswordErr(err) {
			return nil, ErrWrongPassword
		}
		if strings.Contains(err.Error(), "exactly one key bag") {
			return pkcs12ManyKeys(data, storePass)
		}
		if strings.Contains(err.Error(), "private key missing") {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read PKCS12: %v", err)
	}
	all := append([]*x509.Certificate{leaf}, cas...)
	cert, err := tlsCertificate(key, all)
	if err != nil {
		return nil, err
	}
	return []tls.Certificate{cert}, nil
}

// pkcs12ManyKeys reads a PKCS12 store holding several key entries, pairing
// keys and certificates by their localKeyId.
func pkcs12ManyKeys(data []byte, pass string) ([]tls.Certificate, error) {
	blocks, err := pkcs12.ToPEM(data, pass)
	if err != nil {
		return nil, fmt.Errorf("cannot read a PKCS12 store with several keys: %v", err)
	}
	var all []*x509.Certificate
	byID := map[string]*x509.Certificate{}
	type keyBlock struct {
		id  string
		key crypto.PrivateKey
	}
	var keys []keyBlock
	for _, b := range blocks {
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, err
			}
			all = append(all, c)
			if id := b.Headers["localKeyId"]; id != "" {
				byID[id] = c
			}
		case "PRIVATE KEY":
			k, err := parseAnyKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			keys = append(keys, keyBlock{id: b.Headers["localKeyId"], key: k})
		}
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].id < keys[j].id })
	var certs []tls.Certificate
	for _, k := range keys {
		chain := all
		if leaf, ok := byID[k.id]; ok {
			chain = append([]*x509.Certificate{leaf}, all...)
		}
		c, err := tlsCertificate(k.key, chain)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func isPKCS12PasswordErr(err error) bool {
	return errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption)
}

// tlsCertificate finds the certificate matching key among certs and builds
// its chain (issuers in order, as far as certs go).
func tlsCertificate(key crypto.PrivateKey, certs []*x509.Certificate) (tls.Certificate, error) {
	pub, ok := publicKey(key)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key type %T cannot be used for TLS", key)
	}
	var leaf *x509.Certificate
	for _, c := range certs {
		if eq, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && eq.Equal(pub) {
			leaf = c
			break
		}
	}
	if leaf == nil {
		if len(certs) == 0 {
			return tls.Certificate{}, errors.New("no certificate for the private key")
		}
		return tls.Certificate{}, errors.New("no certificate matches the private key")
	}
	chain := [][]byte{leaf.Raw}
	cur := leaf
	used := map[*x509.Certificate]bool{leaf: true}
	for len(chain) < 10 && !bytes.Equal(cur.RawIssuer, cur.RawSubject) {
		var next *x509.Certificate
		for _, c := range certs {
			if !used[c] && bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		chain = append(chain, next.Raw)
		cur = next
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

func publicKey(k crypto.PrivateKey) (crypto.PublicKey, bool) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey, true
	case *ecdsa.PrivateKey:
		return &k.PublicKey, true
	case ed25519.PrivateKey:
		return k.Public(), true
	}
	return nil, false
}

// LoadTrustStore reads the certificates a trust store holds: its trusted
// certificate entries and, as Java's trust manager does, the certificates
// of its key entries. A JKS store read without a password is not checked
// for integrity, as Java does.
func LoadTrustStore(file, storeType, storePass string) ([]*x509.Certificate, error) {
	fail := func(err error) ([]*x509.Certificate, error) {
		return nil, &StoreError{Kind: "truststore", File: file, Err: err}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(readErr(err))
	}
	var certs []*x509.Certificate
	switch f := formatOf(data, storeType); f {
	case FormatJKS:
		certs, err = jksTrusted(data, storePass)
	case FormatPKCS12:
		certs, err = pkcs12Trusted(data, storePass)
	case FormatPEM:
		certs, err = pemCerts(data)
	case FormatJCEKS:
		err = errors.New("JCEKS trust stores are not supported; convert with keytool -importkeystore -deststoretype PKCS12")
	default:
		err = unknownFormat(f)
	}
	if err != nil {
		return fail(err)
	}
	if len(certs) == 0 {
		return fail(errors.New("no certificates"))
	}
	return certs, nil
}

func jksTrusted(data []byte, pass string) ([]*x509.Certificate, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(pass)); err != nil {
		// The entries are read before the digest is checked; without a
		// password Java skips the check.
		if pass != "" || !strings.Contains(err.Error(), "digest") {
			if strings.Contains(err.Error(), "digest") {
				return nil, ErrWrongPassword
			}
			return nil, fmt.Errorf("%w (%v)", ErrWrongPassword, err)
		}
	}
	var out []*x509.Certificate
	for _, alias := range ks.Aliases() {
		var raw []byte
		switch {
		case ks.IsTrustedCertificateEntry(alias):
			e, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				return nil, err
			}
			raw = e.Certificate.Content
		case ks.IsPrivateKeyEntry(alias):
			chain, err := ks.GetPrivateKeyEntryCertificateChain(alias)
			if err != nil || len(chain) == 0 {
				continue
			}
			raw = chain[0].Content
		default:
			continue
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %v", alias, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func pkcs12Trusted(data []byte, pass string) ([]*x509.Certificate, error) {
	certs, err := pkcs12.DecodeTrustStore(data, pass)
	if err == nil {
		return certs, nil
	}
	if isPKCS12PasswordErr(err) {
		return nil, ErrWrongPassword
	}
	// A key store used as trust store: its key entry's certificates.
	_, leaf, cas, err2 := pkcs12.DecodeChain(data, pass)
	if err2 == nil {
		return append([]*x509.Certificate{leaf}, cas...), nil
	}
	if isPKCS12PasswordErr(err2) {
		return nil, ErrWrongPassword
	}
	return nil, fmt.Errorf("cannot read PKCS12 trust store: %v", err)
}

func pemCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		if b.Type != "CERTIFICATE" && b.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %v", len(out)+1, err)
		}
		out = append(out, c)
	}
}
