// Package server assembles a running broker from a parsed activemq.xml: the
// store, the broker core with its policies, and the transport connectors.
// cmd/amq and the integration tests use it; embedders can too.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"amq/broker"
	"amq/internal/auth"
	"amq/internal/config"
	"amq/internal/openwire"
	"amq/internal/stomp"
	"amq/internal/stomp/frame"
	"amq/internal/transport"
	"amq/store"
	"amq/store/memory"
)

// Options tune what the configuration does not say.
type Options struct {
	Logger *slog.Logger
	// Store, when set, replaces the configured persistence adapter (tests).
	Store store.Store
}

// Server is a broker with its connectors.
type Server struct {
	cfg   *config.Config
	log   *slog.Logger
	b     *broker.Broker
	store store.Store
	authn auth.Authenticator
	tls   *tls.Config // shared by every TLS connector, built on first use

	mu        sync.Mutex
	listeners []*listener
	closers   []func() error
	wg        sync.WaitGroup
	trimQuit  chan struct{} // stops trimLoop; nil before Start
	closed    bool
}

type listener struct {
	name   string
	scheme string
	l      net.Listener
	serve  func(net.Listener) error
	close  func() error
}

// New builds the broker described by cfg without opening any port.
func New(cfg *config.Config, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log}
	if err := s.checkUnsupported(); err != nil {
		return nil, err
	}
	authn, authz, err := auth.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	s.authn = authn
	st := opts.Store
	if st == nil {
		var err error
		if st, err = openStore(cfg, log); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, st.Close)
	}
	s.store = st
	if cfg.Broker.DeleteAllMessagesOnStartup {
		if err := wipeStore(context.Background(), st, log); err != nil {
			s.closeStores()
			return nil, err
		}
	}
	var tmp store.Store
	if opts.Store == nil {
		var err error
		if tmp, err = openTempStore(cfg, log); err != nil {
			s.closeStores()
			return nil, err
		}
		s.closers = append(s.closers, tmp.Close)
	}
	b, err := broker.New(broker.Config{
		Authorizer:       authz,
		TempStore:        tmp,
		Name:             cfg.Broker.Name,
		Store:            st,
		Logger:           log,
		PolicyFor:        func(d broker.Destination) broker.Policy { return policyFor(cfg, d) },
		SchedulerSupport: cfg.Broker.SchedulerSupport,
		Usage:            usage(cfg, log),
		PopulateUserID:   cfg.Broker.PopulateJMSXUserID,
		PurgePeriod:      time.Duration(cfg.Broker.SchedulePeriodForDestinationPurge) * time.Millisecond,

		ConcurrentStoreAndDispatchQueues: concurrentStoreAndDispatch(cfg, st),
		RejectDurableConsumers:           cfg.Broker.RejectDurableConsumers,
	})
	if err != nil {
		return nil, err
	}
	b.SetAdvisories(cfg.Broker.AdvisorySupport)
	vts, comps, err := routing(cfg)
	if err != nil {
		return nil, err
	}
	if err := b.SetRouting(vts, comps); err != nil {
		return nil, err
	}
	s.b = b
	return s, nil
}

// wipeStore empties the store before the broker recovers from it, as
// ActiveMQ's deleteAllMessagesOnStartup does (KahaDB deletes its files,
// JDBC drops and recreates its tables): every durable subscription and
// every stored message goes.
func wipeStore(ctx context.Context, st store.Store, log *slog.Logger) error {
	log.Info("deleting all messages on startup because deleteAllMessagesOnStartup configuration has been provided")
	subs, err := st.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("deleteAllMessagesOnStartup: list durable subscriptions: %w", err)
	}
	var ops []store.Op
	for _, si := range subs {
		ops = append(ops, store.Op{Kind: store.OpRemoveSub, Sub: si})
	}
	// Removing a subscription removes what is pending for it, so topic
	// messages go with the subscriptions; the rest are queue messages.
	if len(ops) > 0 {
		if _, err := store.ApplySync(st, ops); err != nil {
			return fmt.Errorf("deleteAllMessagesOnStartup: remove durable subscriptions: %w", err)
		}
	}
	conts, err := st.Containers(ctx)
	if err != nil {
		return fmt.Errorf("deleteAllMessagesOnStartup: list destinations: %w", err)
	}
	deleted := 0
	for _, c := range conts {
		// The sequence numbers are read first: a store may not take
		// writes from inside its own Load.
		var seqs []uint64
		err := st.Load(ctx, c.Container, "", 0, 0, func(r store.Record) bool {
			seqs = append(seqs, r.Seq)
			return true
		})
		for len(seqs) > 0 && err == nil {
			n := min(len(seqs), 1024)
			ops = ops[:0]
			for _, seq := range seqs[:n] {
				ops = append(ops, store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: c.Container, Seq: seq}})
			}
			_, err = store.ApplySync(st, ops)
			seqs = seqs[n:]
			deleted += n
		}
		if err != nil {
			return fmt.Errorf("deleteAllMessagesOnStartup: delete messages of %s: %w", c.Container, err)
		}
	}
	log.Info("persistence store purged", "subscriptions", len(subs), "messages", deleted)
	return nil
}

// usage maps <systemUsage> onto the broker's limits. percentOfJvmHeap (what
// Debian's file uses) is read against a quarter of physical memory, the
// JVM's default maximum heap.
func usage(cfg *config.Config, log *slog.Logger) broker.Usage {
	su := &cfg.Broker.SystemUsage
	u := broker.Usage{SendFailIfNoSpace: su.SendFailIfNoSpace}
	if su.SendFailIfNoSpaceAfterTimeout > 0 {
		u.SendFailAfter = time.Duration(su.SendFailIfNoSpaceAfterTimeout) * time.Millisecond
	}
	u.MemoryLimit = su.Memory.Limit
	if pct := su.Memory.PercentOfJvmHeap; pct > 0 {
		if total := physicalMemory(); total > 0 {
			u.MemoryLimit = total / 4 * int64(pct) / 100
		}
	}
	u.StoreLimit = su.Store.Limit
	u.TempLimit = su.Temp.Limit
	log.Debug("usage limits", "memory", u.MemoryLimit, "store", u.StoreLimit, "sendFailIfNoSpace", u.SendFailIfNoSpace)
	return u
}

// physicalMemory reads MemTotal from /proc/meminfo (0 when unknown).
func physicalMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb * 1024
		}
	}
	return 0
}

// routing reads <destinationInterceptors><virtualDestinationInterceptor>.
func routing(cfg *config.Config) ([]broker.VirtualTopic, []broker.Composite, error) {
	var vts []broker.VirtualTopic
	var comps []broker.Composite
	haveVT := false
	for _, vd := range cfg.Broker.VirtualDestinations {
		switch vd.Kind {
		case "virtualTopic":
			haveVT = true
			vts = append(vts, broker.VirtualTopic{Name: vd.Name, Prefix: vd.Prefix, Postfix: vd.Postfix, SelectorAware: vd.SelectorAware})
		case "compositeQueue", "compositeTopic":
			c := broker.Composite{Dest: broker.QueueDest(vd.Name), ForwardOnly: vd.ForwardOnly}
			if vd.Kind == "compositeTopic" {
				c.Dest = broker.TopicDest(vd.Name)
			}
			for _, ft := range vd.ForwardTo {
				d := broker.QueueDest(ft.Name)
				if ft.Kind == config.Topic {
					d = broker.TopicDest(ft.Name)
				}
				c.Targets = append(c.Targets, broker.CompositeTarget{Dest: d, Selector: ft.Selector})
			}
			comps = append(comps, c)
		default:
			return nil, nil, fmt.Errorf("%s: <%s> is not supported", vd.Pos, vd.Kind)
		}
	}
	if !haveVT && cfg.Broker.UseVirtualTopics {
		vts = append(vts, broker.DefaultVirtualTopic)
	}
	return vts, comps, nil
}

// checkUnsupported refuses configurations that ask for what this build does
// not serve yet: silently running a single broker where the operator asked
// for a network or replication would be worse than not starting.
func (s *Server) checkUnsupported() error {
	bc := &s.cfg.Broker
	if len(bc.NetworkConnectors) > 0 {
		nc := bc.NetworkConnectors[0]
		return fmt.Errorf("%s: <networkConnector uri=%q>: networks of brokers are not available in this version; remove <networkConnectors> to run a single broker", nc.Pos, nc.URI.Raw)
	}
	if pa := bc.PersistenceAdapter; pa != nil && pa.Kind == "replicatedLevelDB" {
		return fmt.Errorf("%s: <replicatedLevelDB>: replicated LevelDB is not available in this version; use <levelDB> or <kahaDB> for a single broker", pa.Pos)
	}
	return nil
}

// openStore opens the persistence adapter the configuration names.
func openStore(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	bc := &cfg.Broker
	if !bc.Persistent {
		return memory.New(), nil
	}
	pa := bc.PersistenceAdapter
	kind := "kahaDB"
	if pa != nil {
		kind = pa.Kind
	}
	switch kind {
	case "memoryPersistenceAdapter":
		return memory.New(), nil
	case "kahaDB", "levelDB":
		return openLevelDB(cfg, log)
	case "jdbcPersistenceAdapter":
		return openSQL(cfg, log)
	}
	return nil, fmt.Errorf("%s: <%s> is not supported; use <levelDB>, <kahaDB>, <jdbcPersistenceAdapter> or <memoryPersistenceAdapter>", pa.Pos, kind)
}

func (s *Server) closeStores() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Broker returns the broker core.
func (s *Server) Broker() *broker.Broker { return s.b }

// Config returns the configuration the server was built from.
func (s *Server) Config() *config.Config { return s.cfg }

// Start recovers the store and opens every transport connector. A connector
// that cannot bind stops the start-up.
func (s *Server) Start(ctx context.Context) error {
	start := time.Now()
	if err := s.b.Start(ctx); err != nil {
		return err
	}
	for _, d := range s.cfg.Broker.Destinations {
		switch d.Kind {
		case config.Queue:
			s.b.AddQueue(d.Name)
		case config.Topic:
			s.b.AddTopic(d.Name)
		}
	}
	for _, tc := range s.cfg.Broker.TransportConnectors {
		if err := s.openConnector(tc); err != nil {
			s.Close()
			return err
		}
	}
	for _, l := range s.listeners {
		l := l
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := l.serve(l.l); err != nil {
				s.log.Error("connector stopped", "connector", l.name, "err", err)
			}
		}()
	}
	quit := make(chan struct{})
	timeout, every, expire := s.durableExpiry()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("server closed while starting")
	}
	s.trimQuit = quit
	s.wg.Add(1)
	if expire {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.trimLoop(quit)
	}()
	if expire {
		go func() {
			defer s.wg.Done()
			s.expireDurablesLoop(quit, timeout, every)
		}()
	}
	s.log.Info("broker started", "name", s.b.Name(), "version", broker.Version, "took", time.Since(start).Round(time.Microsecond))
	return nil
}

func (s *Server) openConnector(tc *config.TransportConnector) error {
	u := tc.URI
	name := tc.Name
	if name == "" {
		name = u.Scheme
	}
	proto := u.WireProtocol()
	switch proto {
	case "stomp", "ws":
		return s.openStomp(name, tc)
	case "openwire":
		return s.openOpenWire(name, tc)
	case "vm":
		return nil // in process: always available through Broker().NewClient
	}
	s.log.Warn("connector skipped: transport not supported", "connector", name, "uri", u.Raw, "scheme", u.Scheme)
	return nil
}

func (s *Server) openStomp(name string, tc *config.TransportConnector) error {
	u := tc.URI
	opts := stomp.Options{Broker: s.b, Logger: s.log, Connector: name, ConvertBody: openwire.ConvertBody}
	var err error
	if opts.MaxConnections, err = u.OptionInt("maximumConnections", 0); err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	lim := frame.Limits{}
	if lim.MaxFrameSize, err = u.OptionSize("wireFormat.maxFrameSize", frame.DefaultMaxFrameSize); err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	maxData, err := u.OptionSize("wireFormat.maxDataLength", frame.DefaultMaxDataLength)
	if err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	lim.MaxDataLength = int(maxData)
	opts.Limits = lim
	if opts.HeartBeatGrace, err = u.OptionFloat("transport.hbGracePeriodMultiplier", 1.5); err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	if hb, ok := u.Option("transport.defaultHeartBeat"); ok {
		cx, cy, err := frame.ParseHeartBeat(hb)
		if err != nil {
			return fmt.Errorf("%s: transport.defaultHeartBeat=%q: %w", tc.Pos, hb, err)
		}
		opts.DefaultHeartBeat = [2]int{cx, cy}
	}
	if s.authn != nil {
		opts.Auth = s.authn
	}
	l, err := s.listen(tc)
	if err != nil {
		return err
	}
	srv := stomp.NewServer(opts)
	lst := &listener{name: name, scheme: u.Scheme, l: l, serve: srv.Serve, close: srv.Close}
	proto := "stomp"
	if u.WireProtocol() == "ws" {
		ws := transport.NewWSServer(srv.ServeConn, transport.WSOptions{Logger: s.log, Name: name})
		lst.serve = ws.Serve
		lst.close = func() error { ws.Close(); return srv.Close() }
		proto = "stomp+websocket"
	}
	s.listeners = append(s.listeners, lst)
	s.log.Info("listening", "connector", name, "protocol", proto, "addr", l.Addr().String(), "tls", u.TLS())
	return nil
}

// openOpenWire serves the JMS client's protocol on tcp, nio, ssl, nio+ssl.
func (s *Server) openOpenWire(name string, tc *config.TransportConnector) error {
	u := tc.URI
	opts := openwire.Options{Broker: s.b, Logger: s.log, Connector: name, MaxInactivityDuration: openwire.DefaultMaxInactivityDuration}
	var err error
	if opts.MaxConnections, err = u.OptionInt("maximumConnections", 0); err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	if opts.MaxFrameSize, err = u.OptionSize("wireFormat.maxFrameSize", 100<<20); err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	inact, err := u.OptionInt64("wireFormat.maxInactivityDuration", int64(openwire.DefaultMaxInactivityDuration/time.Millisecond))
	if err != nil {
		return fmt.Errorf("%s: %w", tc.Pos, err)
	}
	opts.MaxInactivityDuration = time.Duration(inact) * time.Millisecond
	if d, ok := u.Option("wireFormat.maxInactivityDurationInitalDelay"); ok {
		var ms int64
		if _, err := fmt.Sscan(d, &ms); err != nil {
			return fmt.Errorf("%s: wireFormat.maxInactivityDurationInitalDelay=%q: not a number", tc.Pos, d)
		}
		opts.InactivityInitialDelay = time.Duration(ms) * time.Millisecond
	}
	if s.authn != nil {
		opts.Auth = s.authn
	}
	l, err := s.listen(tc)
	if err != nil {
		return err
	}
	srv := openwire.NewServer(opts)
	s.listeners = append(s.listeners, &listener{name: name, scheme: u.Scheme, l: l, serve: srv.Serve, close: srv.Close})
	s.log.Info("listening", "connector", name, "protocol", "openwire", "addr", l.Addr().String(), "tls", u.TLS())
	return nil
}

// CheckTLS loads the keystores the TLS connectors need, so `amq validate`
// reports a wrong password or a missing file as start-up would.
func (s *Server) CheckTLS() error {
	for _, tc := range s.cfg.Broker.TransportConnectors {
		if tc.URI.TLS() {
			if _, err := s.tlsConfig(tc); err != nil {
				return err
			}
			return nil
		}
	}
	return nil
}

func (s *Server) tlsConfig(tc *config.TransportConnector) (*tls.Config, error) {
	if s.tls == nil {
		sc := s.cfg.Broker.SSLContext
		if sc == nil {
			sc = transport.SSLContextFromOpts(os.Getenv("ACTIVEMQ_SSL_OPTS"))
		}
		if sc == nil {
			return nil, fmt.Errorf("%s: transport connector %s uses TLS but no <sslContext> (or ACTIVEMQ_SSL_OPTS keyStore) is configured", tc.Pos, tc.URI.Raw)
		}
		cfg, err := transport.TLSConfig(sc, s.cfg.ResolvePath, false, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tc.Pos, err)
		}
		s.tls = cfg
	}
	return s.tls, nil
}

// listen binds a connector, with TLS from <sslContext> (or
// ACTIVEMQ_SSL_OPTS) for the ssl schemes.
func (s *Server) listen(tc *config.TransportConnector) (net.Listener, error) {
	u := tc.URI
	var base *tls.Config
	if u.TLS() {
		var err error
		if base, err = s.tlsConfig(tc); err != nil {
			return nil, err
		}
	}
	l, err := transport.Listen(u, base)
	if err != nil {
		// transport.Listen already names the connector's URI.
		return nil, fmt.Errorf("%s: %w", tc.Pos, err)
	}
	return l, nil
}

// Addr returns the bound address of the named connector (useful with port 0).
func (s *Server) Addr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		if l.name == name {
			return l.l.Addr()
		}
	}
	return nil
}

// Connectors lists connector names with their bound addresses.
func (s *Server) Connectors() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, l := range s.listeners {
		out[l.name] = l.scheme + "://" + l.l.Addr().String()
	}
	return out
}

// Close stops the connectors (closing every connection), the broker and the store.
func (s *Server) Close() error {
	s.mu.Lock()
	ls := s.listeners
	s.listeners = nil
	closers := s.closers
	s.closers = nil
	s.closed = true
	if s.trimQuit != nil {
		close(s.trimQuit)
		s.trimQuit = nil
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.close()
	}
	s.wg.Wait()
	err := s.b.Close()
	for i := len(closers) - 1; i >= 0; i-- {
		if cerr := closers[i](); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// policyFor maps the configuration's policy entries onto the broker's policy.
func policyFor(cfg *config.Config, d broker.Destination) broker.Policy {
	p := broker.DefaultPolicy()
	kind := "queue"
	switch d.Kind {
	case broker.Topic:
		kind = "topic"
	case broker.TempQueue:
		kind = "tempQueue"
	case broker.TempTopic:
		kind = "tempTopic"
	}
	if e := cfg.PolicyFor(kind, d.Name); e != nil {
		p.QueuePrefetch = e.QueuePrefetch
		p.TopicPrefetch = e.TopicPrefetch
		p.DurablePrefetch = e.DurableTopicPrefetch
		p.BrowserPrefetch = e.QueueBrowserPrefetch
		p.Prioritized = e.PrioritizedMessages
		p.ProducerFlowControl = e.ProducerFlowControl
		if e.GCInactiveDestinations {
			p.InactiveGC = time.Duration(e.InactiveTimeoutBeforeGC) * time.Millisecond
		}
		if e.MemoryLimit > 0 {
			p.PageWindow = e.MemoryLimit
		}
		p.ExpirePeriod = time.Duration(e.ExpireMessagesPeriod) * time.Millisecond
		if e.ExpireMessagesPeriod <= 0 {
			p.ExpirePeriod = -1
		}
		if pl := e.PendingMessageLimitStrategy; pl != nil {
			switch pl.Kind {
			case "constantPendingMessageLimitStrategy":
				p.MaxPendingTopic = pl.Limit
			case "prefetchRatePendingMessageLimitStrategy":
				p.MaxPendingTopic = int(pl.Multiplier * float64(p.TopicPrefetch))
			}
		}
		p.AlwaysRetroactive = e.AlwaysRetroactive
		p.AllConsumersExclusive = e.AllConsumersExclusiveByDefault
		p.UseConsumerPriority = e.UseConsumerPriority
		if e.SendFailIfNoSpace != nil {
			fail := *e.SendFailIfNoSpace
			p.SendFailIfNoSpace = &fail
		}
		if e.SendFailIfNoSpaceAfterTimeout >= 0 {
			after := time.Duration(e.SendFailIfNoSpaceAfterTimeout) * time.Millisecond
			p.SendFailAfter = &after
		}
		if rp := e.SubscriptionRecoveryPolicy; rp != nil && rp.Kind == "fixedCountSubscriptionRecoveryPolicy" {
			p.RecoveryCount = rp.MaximumSize
		} else if rp != nil && rp.Kind == "fixedSizedSubscriptionRecoveryPolicy" {
			// A byte budget: approximate with 1 KB messages.
			p.RecoveryCount = max(1, rp.MaximumSize/1024)
		} else if rp != nil && rp.Kind == "lastImageSubscriptionRecoveryPolicy" {
			p.RecoveryCount = 1
		}
		if sc := e.SlowConsumerStrategy; sc != nil && sc.Kind == "abortSlowConsumerStrategy" {
			p.AbortSlow = &broker.SlowConsumerPolicy{
				MaxSlowCount:    sc.MaxSlowCount,
				MaxSlowDuration: time.Duration(sc.MaxSlowDuration) * time.Millisecond,
				CheckPeriod:     time.Duration(sc.CheckPeriod) * time.Millisecond,
				AbortConnection: sc.AbortConnection,
			}
		}
		if ds := e.DeadLetterStrategy; ds != nil {
			dl := &p.DeadLetter
			switch ds.Kind {
			case "individualDeadLetterStrategy":
				dl.Individual = true
				dl.QueuePrefix = ds.QueuePrefix
				dl.TopicPrefix = ds.TopicPrefix
				dl.QueueSuffix = ds.QueueSuffix
				dl.TopicSuffix = ds.TopicSuffix
			case "discarding":
				dl.Discard = true
			default:
				if ds.DeadLetterQueue != "" {
					dl.SharedQueue = ds.DeadLetterQueue
				}
			}
			dl.ProcessExpired = ds.ProcessExpired
			dl.ProcessNonPersistent = ds.ProcessNonPersistent
			dl.Expiration = ds.Expiration
		}
	}
	if pl := cfg.Broker.Plugins.DiscardingDLQ; pl != nil {
		p.DeadLetter.Discard = true
	}
	if rp := cfg.Broker.Plugins.Redelivery.PolicyFor(config.DestinationKind(kind), d.Name); rp != nil {
		p.Redelivery = broker.RedeliveryPolicy{
			MaximumRedeliveries:    rp.MaximumRedeliveries,
			InitialRedeliveryDelay: time.Duration(rp.InitialRedeliveryDelay) * time.Millisecond,
			RedeliveryDelay:        time.Duration(rp.RedeliveryDelay) * time.Millisecond,
			UseExponentialBackOff:  rp.UseExponentialBackOff,
			BackOffMultiplier:      rp.BackOffMultiplier,
		}
		if rp.MaximumRedeliveryDelay > 0 {
			p.Redelivery.MaximumRedeliveryDelay = time.Duration(rp.MaximumRedeliveryDelay) * time.Millisecond
		}
	}
	return p
}

// dataDir returns a directory for a store, created if missing.
func dataDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	return filepath.Clean(dir), nil
}

// UnsupportedElements lists the configuration's recognised elements that
// this build parses but does not act on, for the one start-up warning.
func UnsupportedElements(cfg *config.Config) []string {
	var out []string
	bc := &cfg.Broker
	for _, e := range bc.Plugins.Other {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}
