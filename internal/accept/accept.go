// Package accept holds the accept loop every protocol server shares.
package accept

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Loop accepts connections on l and hands each to serve. It returns nil once
// quit is closed (the server is shutting down and has closed l), or the
// listener's error when it fails for good. Transient errors (EMFILE and the
// like) back off from 5 ms up to 1 s instead of spinning.
func Loop(l net.Listener, quit <-chan struct{}, serve func(net.Conn), log *slog.Logger) error {
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			select {
			case <-quit:
				return nil
			default:
			}
			if !transient(err) {
				return err
			}
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > time.Second {
				backoff = time.Second
			}
			log.Warn("accept failed; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-quit:
				return nil
			}
			continue
		}
		backoff = 0
		serve(nc)
	}
}

func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// Wait waits for wg, or until quit closes: a connection finishing its
// pending store writes must not hold up a server shutdown.
func Wait(wg *sync.WaitGroup, quit <-chan struct{}) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-quit:
	}
}
