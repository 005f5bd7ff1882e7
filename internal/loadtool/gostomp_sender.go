package loadtool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// goStompSender sends with go-stomp's Conn.Send (--pipeline=false): with a
// receipt it waits for it, as ActiveMQ's synchronous send does; without, it
// hands the frame to go-stomp's writer, which writes each frame on its own.
type goStompSender struct {
	conn     *stomp.Conn
	nc       net.Conn
	dest     string
	receipts bool
	ttl      int64
	opts     []func(*frame.Frame) error
	tx       *stomp.Transaction
	txID     string

	// Read by the send options, set per send.
	stampNs   int64
	expiresMs int64

	sendLat, commitLat Histogram

	// The watcher catches the ERROR frames go-stomp delivers to no caller
	// (it only closes the connection when no receipt is awaited).
	watchMu   sync.Mutex
	watchErr  error
	watchErrC chan struct{} // closed once watchErr is set
	watchDone chan struct{} // closed when the connection is gone
}

// watchID names the local-only subscription that sees ERROR frames: go-stomp
// registers a reply-to subscription but never sends it to the broker.
const watchID = "amq-loadtool-watch"

// goStompSendTimeout bounds how long Send waits for room in go-stomp's write
// queue before the sender looks for an ERROR frame and, finding none, tries
// again (the frame was not queued, so a retry sends it once).
const goStompSendTimeout = time.Second

func connectGoStompSender(ctx context.Context, o *producerOpts, src *bodySource) (*goStompSender, error) {
	c, nc, err := connectGoStomp(ctx, &o.commonOpts, stomp.ConnOpt.MsgSendTimeout(goStompSendTimeout))
	if err != nil {
		return nil, err
	}
	s := &goStompSender{conn: c, nc: nc, dest: o.dest, receipts: o.receipts, ttl: o.msgTTL,
		watchErrC: make(chan struct{}), watchDone: make(chan struct{})}
	watch, err := c.Subscribe(watchID, stomp.AckAuto, stomp.SubscribeOpt.Header(stomp.ReplyToHeader, watchID))
	if err != nil {
		abandon(c, nc)
		return nil, fmt.Errorf("connect to %s: %w", o.brokerURL, err)
	}
	go s.watch(watch)

	// Options are built once; the dynamic ones read fields set per send.
	s.opts = append(s.opts, func(f *frame.Frame) error {
		f.Header.Add(stampHeader, strconv.FormatInt(s.stampNs, 10))
		if s.txID != "" {
			// Transactional sends go through Send too: Transaction.Send
			// would wait for queue room without a timeout.
			f.Header.Add(frame.Transaction, s.txID)
		}
		return nil
	})
	if o.persistent {
		s.opts = append(s.opts, stomp.SendOpt.Header("persistent", "true"))
	}
	if o.priority != 4 {
		s.opts = append(s.opts, stomp.SendOpt.Header("priority", strconv.Itoa(o.priority)))
	}
	if o.msgGroupID != "" {
		s.opts = append(s.opts, stomp.SendOpt.Header("JMSXGroupID", o.msgGroupID))
	}
	if o.msgTTL > 0 {
		s.opts = append(s.opts, func(f *frame.Frame) error {
			f.Header.Add("expires", strconv.FormatInt(s.expiresMs, 10))
			return nil
		})
	}
	if !src.withLength() {
		s.opts = append(s.opts, stomp.SendOpt.NoContentLength)
	}
	if o.receipts {
		s.opts = append(s.opts, stomp.SendOpt.Receipt)
	}
	return s, nil
}

func (s *goStompSender) watch(sub *stomp.Subscription) {
	defer close(s.watchDone)
	for m := range sub.C {
		if m.Err == nil {
			continue
		}
		if err := stompErr(m.Err); isBrokerError(err) {
			s.watchMu.Lock()
			if s.watchErr == nil {
				s.watchErr = err
				close(s.watchErrC)
			}
			s.watchMu.Unlock()
		}
	}
}

// brokerErr returns the broker's ERROR if one came, waiting up to wait for
// the watcher to learn how the connection ended.
func (s *goStompSender) brokerErr(wait time.Duration) error {
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-s.watchDone:
		case <-s.watchErrC:
		case <-t.C:
		}
		t.Stop()
	}
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	return s.watchErr
}

func (s *goStompSender) failed(err error) error {
	if be := stompErr(err); isBrokerError(be) {
		return be
	}
	if be := s.brokerErr(2 * time.Second); be != nil {
		return be
	}
	if errors.Is(err, stomp.ErrAlreadyClosed) || errors.Is(err, stomp.ErrClosedUnexpectedly) {
		return errors.New("connection closed by the broker")
	}
	return err
}

func (s *goStompSender) send(body []byte) error {
	now := time.Now()
	s.stampNs = now.UnixNano()
	if s.ttl > 0 {
		s.expiresMs = now.UnixMilli() + s.ttl
	}
	for {
		err := s.conn.Send(s.dest, "", body, s.opts...)
		if err == nil {
			break
		}
		if errors.Is(err, stomp.ErrMsgSendTimeout) {
			// The write queue stayed full: a slow broker, or go-stomp stuck
			// handling an ERROR frame while Send held its lock.
			if be := s.brokerErr(100 * time.Millisecond); be != nil {
				return be
			}
			continue
		}
		return s.failed(err)
	}
	if s.receipts {
		s.sendLat.Record(int64(time.Since(now)))
	}
	return nil
}

func (s *goStompSender) begin() error {
	tx, err := s.conn.BeginWithError()
	if err != nil {
		return s.failed(err)
	}
	s.tx, s.txID = tx, tx.Id()
	return nil
}

// commit waits for the COMMIT's receipt, as a JMS commit does.
func (s *goStompSender) commit() error {
	t0 := time.Now()
	err := s.tx.CommitWithReceipt()
	s.tx, s.txID = nil, ""
	if err != nil {
		return s.failed(err)
	}
	s.commitLat.Record(int64(time.Since(t0)))
	return nil
}

func (s *goStompSender) close() error {
	if be := s.brokerErr(0); be != nil {
		s.abort()
		return be
	}
	// DISCONNECT's receipt comes once the broker has handled every frame
	// before it, so it confirms sends made without receipts.
	err := s.conn.Disconnect()
	if be := s.brokerErr(5 * time.Second); be != nil {
		return be
	}
	if err != nil {
		return fmt.Errorf("disconnect: %w", stompErr(err))
	}
	return nil
}

func (s *goStompSender) abort()                   { abandon(s.conn, s.nc) }
func (s *goStompSender) flush() error             { return nil }
func (s *goStompSender) reusesBody() bool         { return false }
func (s *goStompSender) failedC() <-chan struct{} { return s.watchErrC }
func (s *goStompSender) failure() error           { return s.brokerErr(0) }
func (s *goStompSender) latencies() (*Histogram, *Histogram) {
	return &s.sendLat, &s.commitLat
}
