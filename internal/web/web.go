// Package web is the broker's operations surface on one HTTP port
// (127.0.0.1:8161 by default, as ActiveMQ's Jetty): the web console under
// /admin/, a Jolokia-compatible management API under /api/jolokia, ActiveMQ's
// REST message API under /api/message, a JSON browse endpoint under
// /api/browse, and Prometheus metrics under /metrics.
//
// Messaging never depends on it: a console that cannot bind returns the
// error from Start so the caller can log it and run on.
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"amq/broker"
	"amq/internal/config"
)

// DefaultAddr is where ActiveMQ's console listens.
const DefaultAddr = "127.0.0.1:8161"

// Enabled reports whether a --web value asks for the console: "off" (or
// "none", "false", "disabled") turns off the console, /api and /metrics
// together.
func Enabled(addr string) bool {
	switch strings.ToLower(strings.TrimSpace(addr)) {
	case "off", "none", "false", "disabled", "no":
		return false
	}
	return true
}

// ErrDisabled is returned by New for an address that turns the console off.
var ErrDisabled = errors.New("web console disabled")

// ServerInfo is what the console needs of a running server; *server.Server
// has these methods. An interface keeps this package free of an import of
// internal/server, so the server may start the console itself.
type ServerInfo interface {
	Broker() *broker.Broker
	Config() *config.Config
	Connectors() map[string]string
}

// Options configure a Console.
type Options struct {
	// Server is the running broker with its configuration and connectors
	// (a *server.Server).
	Server ServerInfo
	// Broker and Config are used when Server is nil (embedding, tests).
	Broker *broker.Broker
	Config *config.Config
	// Addr is host:port to listen on; empty means DefaultAddr.
	Addr string
	// ConfDir holds jetty-realm.properties; empty means the configuration's
	// activemq.conf directory.
	ConfDir string
	// Logger receives the console's logs; nil uses slog.Default().
	Logger *slog.Logger
	// MetricsAuth puts /metrics behind the console's login (viewer role).
	MetricsAuth bool
}

// Console serves the web console, the management API and the metrics.
type Console struct {
	b           *broker.Broker
	cfg         *config.Config
	connectors  func() map[string]string
	log         *slog.Logger
	addr        string
	metricsAuth bool
	realm       *realm
	csrfKey     []byte
	pages       *pageSet
	handler     http.Handler

	reg          *prometheus.Registry
	storeSync    prometheus.Histogram
	dispatchLat  prometheus.Histogram
	metricsStart time.Time

	mu      sync.Mutex
	ln      net.Listener
	srv     *http.Server
	served  chan struct{}
	client  *broker.Client
	rest    restClients     // named clients of the REST message API
	paused  map[string]bool // queues paused through the console or the API
	started bool
	closed  bool
}

// New builds a console; Start binds its port.
func New(opts Options) (*Console, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if !Enabled(opts.Addr) {
		return nil, ErrDisabled
	}
	c := &Console{
		addr:         opts.Addr,
		log:          opts.Logger,
		metricsAuth:  opts.MetricsAuth,
		paused:       map[string]bool{},
		metricsStart: time.Now(),
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	switch {
	case opts.Server != nil:
		c.b = opts.Server.Broker()
		c.cfg = opts.Server.Config()
		c.connectors = opts.Server.Connectors
	case opts.Broker != nil:
		c.b = opts.Broker
		c.cfg = opts.Config
	default:
		return nil, errors.New("web: Options needs a Server or a Broker")
	}
	if c.connectors == nil {
		c.connectors = func() map[string]string { return nil }
	}
	dir := opts.ConfDir
	if dir == "" && c.cfg != nil {
		dir = c.cfg.Paths.Conf
	}
	path := filepath.Join(dir, RealmFile)
	rl, warns, err := loadRealm(path)
	if err != nil {
		return nil, fmt.Errorf("web console users: %w", err)
	}
	for _, w := range warns {
		c.log.Warn("web console users: "+w, "file", path)
	}
	if rl.fallback {
		c.log.Warn("SECURITY: no "+RealmFile+" found; the web console, /api/jolokia and /metrics accept the default admin/admin login. Create the file with `name: password, role` lines (roles: admin, user) to replace it",
			"file", path, "addr", c.addr)
	} else if len(rl.users) == 0 {
		c.log.Warn("web console users: "+RealmFile+" defines no usable user; nobody can log in", "file", path)
	}
	c.realm = rl
	c.csrfKey = make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, c.csrfKey); err != nil {
		return nil, fmt.Errorf("web console: csrf key: %w", err)
	}
	if c.pages, err = loadPages(); err != nil {
		return nil, err
	}
	if err := c.initMetrics(); err != nil {
		return nil, err
	}
	c.handler = c.routes()
	return c, nil
}

// Start binds the console's port and serves in the background. A bind
// failure is returned; the broker keeps running without the console.
func (c *Console) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("web console closed")
	}
	if c.started {
		return errors.New("web console already started")
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("web console: listen on %s: %w", c.addr, err)
	}
	c.started = true
	c.ln = ln
	c.srv = &http.Server{
		Handler:           c.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelDebug),
	}
	c.served = make(chan struct{})
	srv, served := c.srv, c.served
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("web console stopped", "err", err)
		}
	}()
	c.log.Info("web console listening", "url", "http://"+ln.Addr().String()+"/admin/",
		"jolokia", "http://"+ln.Addr().String()+"/api/jolokia", "metrics", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

// Addr is the bound address once started (useful with port 0), else nil.
func (c *Console) Addr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln == nil {
		return nil
	}
	return c.ln.Addr()
}

// Handler serves everything the console serves, without a listener.
func (c *Console) Handler() http.Handler { return c.handler }

// Close stops serving (letting requests in progress finish for a few
// seconds) and closes the console's broker connection.
func (c *Console) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	srv, served := c.srv, c.served
	cl := c.client
	c.client = nil
	c.mu.Unlock()
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(ctx)
		cancel()
		if err != nil {
			srv.Close()
		}
		<-served
	}
	if cl != nil {
		cl.Close()
	}
	c.rest.closeAll()
	return err
}

// sendClient returns the console's in-process connection, made on first use
// and remade if the broker dropped it.
func (c *Console) sendClient(fresh bool) (*broker.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("web console closed")
	}
	if c.client != nil && !fresh {
		return c.client, nil
	}
	if c.client != nil {
		c.client.Close()
		c.client = nil
	}
	cl, err := c.b.NewClient("")
	if err != nil {
		return nil, err
	}
	c.client = cl
	return cl, nil
}

// send routes one message through the console's connection.
func (c *Console) send(ctx context.Context, m *broker.Message) error {
	cl, err := c.sendClient(false)
	if err != nil {
		return err
	}
	err = cl.Send(ctx, m)
	if errors.Is(err, broker.ErrConsumerClosed) {
		if cl, err = c.sendClient(true); err != nil {
			return err
		}
		err = cl.Send(ctx, m)
	}
	return err
}

// routes assembles the handler tree: authentication and security headers
// around the console, the API and the metrics.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	view := func(h http.HandlerFunc) http.Handler { return c.requireView(h) }

	mux.Handle("GET /{$}", http.RedirectHandler("/admin/", http.StatusFound))
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusFound))
	mux.Handle("GET /admin/{$}", view(c.pageIndex))
	mux.Handle("GET /admin/index.jsp", view(c.pageIndex))
	mux.Handle("GET /admin/queues.jsp", view(c.pageQueues))
	mux.Handle("GET /admin/topics.jsp", view(c.pageTopics))
	mux.Handle("GET /admin/subscribers.jsp", view(c.pageSubscribers))
	mux.Handle("GET /admin/connections.jsp", view(c.pageConnections))
	mux.Handle("GET /admin/scheduled.jsp", view(c.pageScheduled))
	mux.Handle("GET /admin/browse.jsp", view(c.pageBrowse))
	mux.Handle("GET /admin/message.jsp", view(c.pageMessage))
	mux.Handle("GET /admin/send.jsp", view(c.pageSend))
	mux.Handle("GET /admin/xml/queues.jsp", view(c.xmlQueues))
	mux.Handle("GET /admin/xml/topics.jsp", view(c.xmlTopics))
	mux.Handle("GET /admin/xml/subscribers.jsp", view(c.xmlSubscribers))
	mux.Handle("GET /admin/queueBrowse/{name...}", view(c.queueFeed))
	mux.Handle("GET /admin/xml/queueBrowse/{name...}", view(c.queueFeed))
	mux.Handle("GET /admin/assets/", view(c.assets))
	for name := range actions {
		mux.Handle("POST /admin/"+name, c.requireView(c.action))
	}

	mux.Handle("/api/jolokia", view(c.jolokia))
	mux.Handle("/api/jolokia/", view(c.jolokia))
	mux.Handle("GET /api/browse", view(c.apiBrowse))
	mux.Handle("GET /api/stats", view(c.apiStats))
	// ActiveMQ guards /api/* with the user or admin role; so do we.
	mux.Handle("/api/message", view(c.apiMessage))
	mux.Handle("/api/message/{name...}", view(c.apiMessage))

	if c.metricsAuth {
		mux.Handle("GET /metrics", view(c.metricsHandler().ServeHTTP))
	} else {
		mux.Handle("GET /metrics", c.metricsHandler())
	}
	return securityHeaders(mux)
}

// requireView admits users with the user or admin role; others get 401
// (no or bad credentials) or 403 (a valid user without a console role).
func (c *Console) requireView(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := c.authenticate(r)
		if a == nil {
			challenge(w)
			return
		}
		if !a.canView() {
			c.log.Warn("web console: access refused", "user", a.name, "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, "403 Forbidden: the user has neither the admin nor the user role", http.StatusForbidden)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), accountKey, a)))
	})
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.ServeHTTP(w, r)
	})
}
