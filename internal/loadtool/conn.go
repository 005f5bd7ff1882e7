package loadtool

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// connectTimeout bounds dialing plus the CONNECT/CONNECTED exchange.
const connectTimeout = 15 * time.Second

// dial opens the transport to the broker: TCP, or TLS for stomp+ssl://.
func dial(ctx context.Context, o *commonOpts) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	var nd net.Dialer
	if !o.useTLS {
		nc, err := nd.DialContext(ctx, "tcp", o.addr)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", o.brokerURL, err)
		}
		setNoDelay(nc)
		return nc, nil
	}
	td := tls.Dialer{NetDialer: &nd, Config: &tls.Config{ServerName: o.host, InsecureSkipVerify: o.insecure}}
	nc, err := td.DialContext(ctx, "tcp", o.addr)
	if err != nil {
		if !o.insecure {
			return nil, fmt.Errorf("connect to %s: %w (use --insecure to skip certificate verification)", o.brokerURL, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", o.brokerURL, err)
	}
	return nc, nil
}

func setNoDelay(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
}

// connectGoStomp dials and performs the STOMP handshake with go-stomp. It
// returns the socket too: closing it is the one way out when go-stomp is
// stuck (see abandon).
func connectGoStomp(ctx context.Context, o *commonOpts, extra ...func(*stomp.Conn) error) (*stomp.Conn, net.Conn, error) {
	nc, err := dial(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	opts := []func(*stomp.Conn) error{
		stomp.ConnOpt.Host(o.host),
		stomp.ConnOpt.Logger(quietLogger{}),
		// No STOMP heart-beats: go-stomp makes a timer per frame for them.
		// TCP keep-alive (on by default in net.Dialer) finds dead peers.
		stomp.ConnOpt.HeartBeat(0, 0),
	}
	if o.user != "" || o.password != "" {
		opts = append(opts, stomp.ConnOpt.Login(o.user, o.password))
	}
	opts = append(opts, extra...)
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	c, err := stomp.ConnectWithContext(cctx, nc, opts...)
	if err != nil {
		nc.Close()
		return nil, nil, connectError(o, err)
	}
	return c, nc, nil
}

// abandon drops a go-stomp connection that may be deadlocked. go-stomp
// handles an ERROR frame by taking a lock that Send, Ack, Begin and Commit
// hold while they wait for room in its write queue or for a receipt; since
// the ERROR handler is the one draining that queue, both can wait for good.
// Closing the socket ends go-stomp's reader; MustDisconnect, which needs
// the lock, runs on its own goroutine so a stuck one blocks nobody.
func abandon(c *stomp.Conn, nc net.Conn) {
	nc.Close()
	go c.MustDisconnect()
}

func connectError(o *commonOpts, err error) error {
	var se stomp.Error
	if errors.As(err, &se) && se.Frame != nil && se.Frame.Command == frame.ERROR {
		return fmt.Errorf("connect to %s: broker refused: %s", o.brokerURL, brokerMessage(se.Frame))
	}
	return fmt.Errorf("connect to %s: %w", o.brokerURL, err)
}

// brokerError is an ERROR frame the broker sent.
type brokerError struct{ msg string }

func (e *brokerError) Error() string { return "broker ERROR: " + e.msg }

func brokerMessage(f *frame.Frame) string {
	msg := f.Header.Get(frame.Message)
	if msg == "" {
		msg = string(f.Body)
	}
	if msg == "" {
		msg = "(no message)"
	}
	return msg
}

// fromServer tells an ERROR frame the broker sent from the ones go-stomp
// makes up when the connection ends: those carry nothing but a message
// header, while a broker's always has a body or more headers.
func fromServer(f *frame.Frame) bool {
	return f != nil && f.Command == frame.ERROR && (len(f.Body) > 0 || f.Header.Len() > 1)
}

// stompErr turns an error from go-stomp into one that names a broker ERROR
// frame when there was one.
func stompErr(err error) error {
	var f *frame.Frame
	var se stomp.Error
	var sp *stomp.Error
	switch {
	case errors.As(err, &sp) && sp != nil:
		f = sp.Frame
	case errors.As(err, &se):
		f = se.Frame
	}
	if fromServer(f) {
		return &brokerError{msg: brokerMessage(f)}
	}
	return err
}

// quietLogger drops go-stomp's logging: errors reach the caller as values.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...interface{})   {}
func (quietLogger) Infof(string, ...interface{})    {}
func (quietLogger) Warningf(string, ...interface{}) {}
func (quietLogger) Errorf(string, ...interface{})   {}
func (quietLogger) Debug(string)                    {}
func (quietLogger) Info(string)                     {}
func (quietLogger) Warning(string)                  {}
func (quietLogger) Error(string)                    {}

func isBrokerError(err error) bool {
	var be *brokerError
	return errors.As(err, &be)
}

// sleeper waits on one timer, reused from one sleep to the next (a
// producer or consumer pausing between messages).
type sleeper struct{ t *time.Timer }

// sleep waits d, or until done is closed; it reports whether d passed.
func (s *sleeper) sleep(d time.Duration, done <-chan struct{}) bool {
	if s.t == nil {
		s.t = time.NewTimer(d)
	} else {
		s.t.Reset(d)
	}
	select {
	case <-s.t.C:
		return true
	case <-done:
		return false
	}
}
