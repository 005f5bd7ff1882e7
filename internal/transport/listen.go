package transport

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"amq/internal/config"
)

// Listen opens the listening socket of a transport connector URI
// (tcp, nio, ssl, nio+ssl, stomp, stomp+nio, stomp+ssl, stomp+nio+ssl, ws,
// wss, ...). When the scheme is encrypted (u.TLS()) the listener speaks TLS
// with a copy of tlsCfg adjusted by the URI's options (see ServerTLS);
// tlsCfg is then required. The TLS handshake happens on the connection's
// first read or write.
func Listen(u *config.ConnectorURI, tlsCfg *tls.Config) (net.Listener, error) {
	if u == nil {
		return nil, fmt.Errorf("no URI")
	}
	if u.Composite || (u.Host == "" && !u.HasPort) {
		return nil, fmt.Errorf("transport connector %s: not a host:port URI", u.Raw)
	}
	var cfg *tls.Config
	if u.TLS() {
		if tlsCfg == nil {
			return nil, fmt.Errorf("transport connector %s: %s needs an <sslContext> with the broker's keyStore", u.Raw, u.Scheme)
		}
		var err error
		if cfg, err = ServerTLS(tlsCfg, u); err != nil {
			return nil, fmt.Errorf("transport connector %s: %w", u.Raw, err)
		}
	}
	l, err := net.Listen("tcp", u.Addr())
	if err != nil {
		return nil, fmt.Errorf("transport connector %s: %w", u.Raw, err)
	}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	return l, nil
}

// ClientAuth reads a connector URI's client-certificate options:
// needClientAuth and wantClientAuth, with or without the "transport."
// prefix ActiveMQ documents for them.
func ClientAuth(u *config.ConnectorURI) (need, want bool, err error) {
	for _, k := range []string{"needClientAuth", "transport.needClientAuth"} {
		if v, e := u.OptionBool(k, false); e != nil {
			return false, false, e
		} else if v {
			need = true
		}
	}
	for _, k := range []string{"wantClientAuth", "transport.wantClientAuth"} {
		if v, e := u.OptionBool(k, false); e != nil {
			return false, false, e
		} else if v {
			want = true
		}
	}
	return need, want, nil
}

// ServerTLS returns a copy of base adjusted by a connector URI's options:
// needClientAuth / wantClientAuth (see ClientAuth) and
// transport.enabledProtocols (TLSv1.2,TLSv1.3) and
// transport.enabledCipherSuites (IANA names, as Java uses), also accepted
// without the prefix. Options the URI does not set keep base's values.
// WebSocket schemes get ALPN http/1.1.
func ServerTLS(base *tls.Config, u *config.ConnectorURI) (*tls.Config, error) {
	cfg := base.Clone()
	need, want, err := ClientAuth(u)
	if err != nil {
		return nil, err
	}
	switch {
	case need:
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case want:
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	if v := option(u, "enabledProtocols"); v != "" {
		lo, hi, err := parseProtocols(v)
		if err != nil {
			return nil, err
		}
		cfg.MinVersion, cfg.MaxVersion = lo, hi
	}
	if v := option(u, "enabledCipherSuites"); v != "" {
		ids, err := parseCipherSuites(v)
		if err != nil {
			return nil, err
		}
		cfg.CipherSuites = ids
	}
	if p := u.Protocols()[0]; p == "ws" || p == "wss" {
		cfg.NextProtos = []string{"http/1.1"}
	}
	return cfg, nil
}

func option(u *config.ConnectorURI, name string) string {
	if v, ok := u.Option("transport." + name); ok {
		return v
	}
	v, _ := u.Option(name)
	return v
}

func parseProtocols(v string) (lo, hi uint16, err error) {
	for _, p := range strings.Split(v, ",") {
		var ver uint16
		switch strings.TrimSpace(p) {
		case "":
			continue
		case "TLSv1.2":
			ver = tls.VersionTLS12
		case "TLSv1.3":
			ver = tls.VersionTLS13
		case "TLSv1", "TLSv1.1", "SSLv3", "SSLv2Hello":
			continue // older than the broker's minimum, TLS 1.2
		default:
			return 0, 0, fmt.Errorf("enabledProtocols: unknown protocol %q (TLSv1.2, TLSv1.3)", p)
		}
		if lo == 0 || ver < lo {
			lo = ver
		}
		if ver > hi {
			hi = ver
		}
	}
	if lo == 0 {
		return 0, 0, fmt.Errorf("enabledProtocols=%s enables no protocol this broker supports (TLSv1.2, TLSv1.3)", v)
	}
	return lo, hi, nil
}

func parseCipherSuites(v string) ([]uint16, error) {
	known := map[string]uint16{}
	for _, s := range tls.CipherSuites() {
		known[s.Name] = s.ID
	}
	for _, s := range tls.InsecureCipherSuites() {
		known[s.Name] = s.ID
	}
	var ids []uint16
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if strings.HasPrefix(name, "TLS_AES_") || strings.HasPrefix(name, "TLS_CHACHA20_") {
			continue // TLS 1.3 suites are always enabled
		}
		id, ok := known[name]
		if !ok {
			return nil, fmt.Errorf("enabledCipherSuites: unknown or unsupported cipher suite %q", name)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// SSLContextFromOpts builds an SSLContext from Java system properties as
// ActiveMQ's start script passes them in ACTIVEMQ_SSL_OPTS
// (-Djavax.net.ssl.keyStore=... -Djavax.net.ssl.keyStorePassword=...), which
// ActiveMQ uses when activemq.xml has no <sslContext>. It returns nil when
// opts names no key store.
func SSLContextFromOpts(opts string) *config.SSLContext {
	ctx := &config.SSLContext{KeyStoreType: "jks", TrustStoreType: "jks", Protocol: "TLS"}
	for _, f := range splitArgs(opts) {
		k, v, ok := strings.Cut(strings.TrimPrefix(f, "-D"), "=")
		if !ok || !strings.HasPrefix(f, "-D") {
			continue
		}
		switch k {
		case "javax.net.ssl.keyStore":
			ctx.KeyStore = v
		case "javax.net.ssl.keyStorePassword":
			ctx.KeyStorePassword = v
		case "javax.net.ssl.keyStoreType":
			ctx.KeyStoreType = v
		case "javax.net.ssl.trustStore":
			ctx.TrustStore = v
		case "javax.net.ssl.trustStorePassword":
			ctx.TrustStorePassword = v
		case "javax.net.ssl.trustStoreType":
			ctx.TrustStoreType = v
		}
	}
	if ctx.KeyStore == "" {
		return nil
	}
	return ctx
}

// splitArgs splits a shell-like option string on blanks, honouring single
// and double quotes.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
