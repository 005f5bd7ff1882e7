package sql

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DSNFromJDBC turns the JDBC URL of an ActiveMQ data source bean into a
// driver name and DSN for Open. It understands
//
//	jdbc:postgresql://host[:port][,host2[:port]]/db?prop=value...
//	jdbc:mysql://host[:port]/db?prop=value...
//	jdbc:mariadb://host[:port]/db?prop=value...
//	jdbc:sqlite:path
//
// user and password (the bean's username and password properties) win over
// those in the URL. JDBC properties with a Go driver equivalent are carried
// over (ssl, sslmode, currentSchema, connectTimeout, ApplicationName,
// targetServerType for PostgreSQL; useSSL, sslMode, connectTimeout,
// socketTimeout for MySQL); the rest only tune the
// Java driver and are dropped.
func DSNFromJDBC(jdbcURL, user, password string) (driver, dsn string, err error) {
	rest, ok := strings.CutPrefix(jdbcURL, "jdbc:")
	if !ok {
		return "", "", fmt.Errorf("%q is not a JDBC URL (jdbc:...)", jdbcURL)
	}
	sub, tail, _ := strings.Cut(rest, ":")
	switch strings.ToLower(sub) {
	case "sqlite":
		path := strings.TrimPrefix(tail, "file:")
		if path == "" || path == ":memory:" || strings.HasPrefix(path, ":memory:") {
			return "", "", fmt.Errorf("%q: an in-memory SQLite database cannot hold a durable store; give a file path", jdbcURL)
		}
		return "sqlite", path, nil
	case "postgresql", "postgres":
		dsn, err := postgresDSN(tail, user, password)
		if err != nil {
			return "", "", fmt.Errorf("%q: %w", jdbcURL, err)
		}
		return "pgx", dsn, nil
	case "mysql", "mariadb":
		dsn, err := mysqlDSN(tail, user, password)
		if err != nil {
			return "", "", fmt.Errorf("%q: %w", jdbcURL, err)
		}
		return "mysql", dsn, nil
	}
	return "", "", fmt.Errorf("JDBC URL %q: unsupported database %q (supported: jdbc:postgresql, jdbc:mysql, jdbc:mariadb, jdbc:sqlite)", jdbcURL, sub)
}

// jdbcParts splits "//authority/db?query" (or "db" alone) into its pieces.
type jdbcParts struct {
	hosts          []string // host or host:port
	db             string
	query          url.Values
	user, password string
	hasUser        bool
}

func splitJDBC(tail string) (*jdbcParts, error) {
	p := &jdbcParts{}
	body, query, _ := strings.Cut(tail, "?")
	q, err := url.ParseQuery(strings.ReplaceAll(query, ";", "&"))
	if err != nil {
		return nil, fmt.Errorf("bad properties: %w", err)
	}
	p.query = q
	if auth, ok := strings.CutPrefix(body, "//"); ok {
		auth, db, _ := strings.Cut(auth, "/")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			userinfo := auth[:at]
			auth = auth[at+1:]
			u, pw, hasPw := strings.Cut(userinfo, ":")
			p.user, _ = url.PathUnescape(u)
			if hasPw {
				p.password, _ = url.PathUnescape(pw)
			}
			p.hasUser = true
		}
		if auth != "" {
			p.hosts = strings.Split(auth, ",")
		}
		body = db
	}
	db, err := url.PathUnescape(body)
	if err != nil {
		return nil, fmt.Errorf("bad database name: %w", err)
	}
	p.db = db
	return p, nil
}

func (p *jdbcParts) credentials(user, password string) (string, string) {
	u, pw := p.user, p.password
	if v := p.query.Get("user"); v != "" {
		u = v
	}
	if v := p.query.Get("password"); v != "" {
		pw = v
	}
	if user != "" {
		u = user
	}
	if password != "" {
		pw = password
	}
	return u, pw
}

func postgresDSN(tail, user, password string) (string, error) {
	p, err := splitJDBC(tail)
	if err != nil {
		return "", err
	}
	u := &url.URL{Scheme: "postgres", Path: "/" + p.db}
	hosts := p.hosts
	if len(hosts) == 0 {
		hosts = []string{"localhost"}
	}
	u.Host = strings.Join(hosts, ",")
	if name, pw := p.credentials(user, password); name != "" {
		if pw != "" {
			u.User = url.UserPassword(name, pw)
		} else {
			u.User = url.User(name)
		}
	}
	out := url.Values{}
	q := p.query
	switch {
	case q.Get("sslmode") != "":
		out.Set("sslmode", q.Get("sslmode"))
	case strings.EqualFold(q.Get("ssl"), "true"):
		out.Set("sslmode", "require")
	case strings.EqualFold(q.Get("ssl"), "false"):
		out.Set("sslmode", "disable")
	}
	for _, k := range []string{"sslrootcert", "sslcert", "sslkey"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	if v := q.Get("currentSchema"); v != "" {
		out.Set("search_path", v)
	}
	if v := q.Get("connectTimeout"); v != "" {
		out.Set("connect_timeout", v) // seconds in both
	}
	if v := q.Get("ApplicationName"); v != "" {
		out.Set("application_name", v)
	}
	if v := q.Get("targetServerType"); v != "" {
		attrs := map[string]string{
			"any": "any", "master": "primary", "primary": "primary", "slave": "standby", "secondary": "standby",
			"standby": "standby", "preferslave": "prefer-standby", "prefersecondary": "prefer-standby",
			"preferstandby": "prefer-standby", "preferprimary": "any",
		}
		if a, ok := attrs[strings.ToLower(v)]; ok {
			out.Set("target_session_attrs", a)
		}
	}
	u.RawQuery = out.Encode()
	return u.String(), nil
}

func mysqlDSN(tail, user, password string) (string, error) {
	if strings.HasPrefix(tail, "loadbalance:") || strings.HasPrefix(tail, "replication:") ||
		strings.HasPrefix(tail, "failover:") || strings.HasPrefix(tail, "sequential:") || strings.HasPrefix(tail, "aurora:") {
		return "", fmt.Errorf("multi-host JDBC modes are not supported; name one server")
	}
	p, err := splitJDBC(tail)
	if err != nil {
		return "", err
	}
	if len(p.hosts) > 1 {
		return "", fmt.Errorf("%d hosts given; name one server", len(p.hosts))
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	host := "localhost:3306"
	if len(p.hosts) == 1 && p.hosts[0] != "" {
		host = p.hosts[0]
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
		}
	}
	cfg.Addr = host
	cfg.DBName = p.db
	cfg.User, cfg.Passwd = p.credentials(user, password)
	q := p.query
	switch mode := strings.ToUpper(q.Get("sslMode")); {
	case mode == "DISABLED":
		cfg.TLSConfig = "false"
	case mode == "PREFERRED":
		cfg.TLSConfig = "preferred"
	case mode == "REQUIRED":
		cfg.TLSConfig = "skip-verify"
	case mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY":
		cfg.TLSConfig = "true"
	case mode == "" && strings.EqualFold(q.Get("useSSL"), "true"):
		if strings.EqualFold(q.Get("verifyServerCertificate"), "false") {
			cfg.TLSConfig = "skip-verify"
		} else {
			cfg.TLSConfig = "true"
		}
	}
	ms := func(k string) time.Duration {
		n, err := strconv.Atoi(q.Get(k))
		if err != nil || n <= 0 {
			return 0
		}
		return time.Duration(n) * time.Millisecond
	}
	cfg.Timeout = ms("connectTimeout")
	if d := ms("socketTimeout"); d > 0 {
		cfg.ReadTimeout, cfg.WriteTimeout = d, d
	}
	return cfg.FormatDSN(), nil
}
