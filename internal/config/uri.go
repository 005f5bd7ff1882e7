package config

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// ConnectorURI is an ActiveMQ transport or discovery URI.
//
// A simple URI such as stomp+nio+ssl://0.0.0.0:61613?maximumConnections=1000
// has Scheme "stomp+nio+ssl", Host "0.0.0.0", Port 61613 and Options. A
// composite URI such as static:(tcp://a:61616,tcp://b:61616)?maxReconnectDelay=5000
// or failover:(...) has Scheme "static"/"failover", Components for the
// inner URIs and Options for the outer query.
type ConnectorURI struct {
	Raw        string
	Scheme     string
	Host       string
	Port       int  // 0 when the URI names no port
	HasPort    bool // the URI names a port (possibly 0: an ephemeral one)
	Path       string
	Options    map[string]string
	Composite  bool
	Components []*ConnectorURI
}

// compositeSchemes are the schemes whose body is a list of URIs.
var compositeSchemes = map[string]bool{
	"static": true, "failover": true, "fanout": true, "discovery": true, "masterslave": true,
}

// ParseConnectorURI parses a transport, network-connector or discovery URI.
func ParseConnectorURI(s string) (*ConnectorURI, error) {
	return parseConnectorURI(strings.TrimSpace(s), 0)
}

func parseConnectorURI(s string, depth int) (*ConnectorURI, error) {
	if depth > 8 {
		return nil, fmt.Errorf("invalid URI %q: nested too deeply", s)
	}
	u := &ConnectorURI{Raw: s, Options: map[string]string{}}
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return nil, fmt.Errorf("invalid URI %q: no scheme", s)
	}
	u.Scheme = strings.ToLower(s[:colon])
	for _, c := range u.Scheme {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return nil, fmt.Errorf("invalid URI %q: bad scheme", s)
		}
	}
	rest := s[colon+1:]
	if compositeSchemes[u.Scheme] {
		u.Composite = true
		rest = strings.TrimPrefix(rest, "//")
		var body, query string
		if strings.HasPrefix(rest, "(") {
			end := matchParen(rest)
			if end < 0 {
				return nil, fmt.Errorf("invalid URI %q: unbalanced parentheses", s)
			}
			body = rest[1:end]
			tail := rest[end+1:]
			if tail != "" {
				if tail[0] != '?' {
					return nil, fmt.Errorf("invalid URI %q: unexpected %q after ')'", s, tail)
				}
				query = tail[1:]
			}
		} else {
			// static:tcp://host:61616 -- one component; its query is its own.
			body = rest
		}
		for _, part := range splitTopLevel(body) {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			c, err := parseConnectorURI(part, depth+1)
			if err != nil {
				return nil, err
			}
			u.Components = append(u.Components, c)
		}
		if len(u.Components) == 0 {
			return nil, fmt.Errorf("invalid URI %q: no URIs inside", s)
		}
		opts, err := parseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("invalid URI %q: %v", s, err)
		}
		u.Options = opts
		return u, nil
	}
	if !strings.HasPrefix(rest, "//") {
		// Opaque form, e.g. vm:broker:(tcp://localhost)?persistent=false.
		body, query, _ := strings.Cut(rest, "?")
		u.Path = body
		opts, err := parseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("invalid URI %q: %v", s, err)
		}
		u.Options = opts
		return u, nil
	}
	rest = rest[2:]
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	u.Path = path
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return nil, fmt.Errorf("invalid URI %q: bad IPv6 address", s)
		}
		host = authority[1:end]
		after := authority[end+1:]
		if after != "" {
			if after[0] != ':' {
				return nil, fmt.Errorf("invalid URI %q: bad host", s)
			}
			port = after[1:]
			u.HasPort = true
		}
	} else if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		host, port = authority[:i], authority[i+1:]
		u.HasPort = true
	}
	if u.HasPort {
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("invalid URI %q: bad port %q", s, port)
		}
		u.Port = p
	}
	u.Host = host
	opts, err := parseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("invalid URI %q: %v", s, err)
	}
	u.Options = opts
	return u, nil
}

// matchParen returns the index of the ')' closing s[0] == '('.
func matchParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTopLevel splits on commas outside parentheses.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func parseQuery(q string) (map[string]string, error) {
	opts := map[string]string{}
	if q == "" {
		return opts, nil
	}
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("bad option %q", kv)
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("bad option %q", kv)
		}
		opts[dk] = dv
	}
	return opts, nil
}

// Protocols splits the scheme on '+': "stomp+nio+ssl" -> [stomp nio ssl].
func (u *ConnectorURI) Protocols() []string { return strings.Split(u.Scheme, "+") }

// WireProtocol names the protocol spoken on the connection: "openwire",
// "stomp", "mqtt", "amqp", "ws" (WebSocket; STOMP or MQTT by subprotocol),
// "http", "auto" (detected per connection), "vm" or "udp".
func (u *ConnectorURI) WireProtocol() string {
	switch p := u.Protocols()[0]; p {
	case "tcp", "nio", "ssl":
		return "openwire"
	case "wss":
		return "ws"
	case "https":
		return "http"
	default:
		return p
	}
}

// TLS reports whether the transport is encrypted (ssl, wss, https, or a
// +ssl suffix).
func (u *ConnectorURI) TLS() bool {
	for _, p := range u.Protocols() {
		if p == "ssl" || p == "wss" || p == "https" {
			return true
		}
	}
	return false
}

// NIO reports whether the scheme asks for ActiveMQ's NIO transport.
func (u *ConnectorURI) NIO() bool {
	for _, p := range u.Protocols() {
		if p == "nio" {
			return true
		}
	}
	return false
}

// Addr is host:port, suitable for net.Listen.
func (u *ConnectorURI) Addr() string {
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
}

// String returns the URI as written.
func (u *ConnectorURI) String() string { return u.Raw }

// Option returns a query option.
func (u *ConnectorURI) Option(name string) (string, bool) {
	v, ok := u.Options[name]
	return v, ok
}

// OptionString returns a query option or def.
func (u *ConnectorURI) OptionString(name, def string) string {
	if v, ok := u.Options[name]; ok {
		return v
	}
	return def
}

// OptionInt returns an integer query option, or def when absent.
func (u *ConnectorURI) OptionInt(name string, def int) (int, error) {
	v, ok := u.Options[name]
	if !ok {
		return def, nil
	}
	n, err := ParseInt(v, 32)
	if err != nil {
		return def, fmt.Errorf("option %s: %v", name, err)
	}
	return int(n), nil
}

// OptionInt64 returns a long query option, or def when absent.
func (u *ConnectorURI) OptionInt64(name string, def int64) (int64, error) {
	v, ok := u.Options[name]
	if !ok {
		return def, nil
	}
	n, err := ParseInt(v, 64)
	if err != nil {
		return def, fmt.Errorf("option %s: %v", name, err)
	}
	return n, nil
}

// OptionSize returns a byte-count option ("104857600", "100mb"), or def.
func (u *ConnectorURI) OptionSize(name string, def int64) (int64, error) {
	v, ok := u.Options[name]
	if !ok {
		return def, nil
	}
	n, err := ParseSize(v)
	if err != nil {
		return def, fmt.Errorf("option %s: %v", name, err)
	}
	return n, nil
}

// OptionBool returns a boolean option ("true"/"false", any case), or def.
func (u *ConnectorURI) OptionBool(name string, def bool) (bool, error) {
	v, ok := u.Options[name]
	if !ok {
		return def, nil
	}
	b, err := ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("option %s: %v", name, err)
	}
	return b, nil
}

// OptionFloat returns a floating-point option, or def.
func (u *ConnectorURI) OptionFloat(name string, def float64) (float64, error) {
	v, ok := u.Options[name]
	if !ok {
		return def, nil
	}
	f, err := ParseFloat(v)
	if err != nil {
		return def, fmt.Errorf("option %s: %v", name, err)
	}
	return f, nil
}

// OptionsWithPrefix returns the options starting with prefix (for example
// "wireFormat." or "transport."), with the prefix removed.
func (u *ConnectorURI) OptionsWithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range u.Options {
		if strings.HasPrefix(k, prefix) {
			out[k[len(prefix):]] = v
		}
	}
	return out
}

// OptionNames lists the option names, sorted.
func (u *ConnectorURI) OptionNames() []string {
	names := make([]string, 0, len(u.Options))
	for k := range u.Options {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
