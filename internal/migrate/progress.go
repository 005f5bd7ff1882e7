package migrate

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports on stderr: on a terminal one line rewritten in place
// with \r, otherwise a line every few seconds. Lines from the mover
// (println) go through it so the two never interleave.
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu      sync.Mutex // guards writes to w and shown
	shown   bool       // a \r line is on screen
	queue   atomic.Pointer[string]
	moved   atomic.Int64 // in the current queue
	total   atomic.Int64 // in every queue
	qStart  atomic.Int64 // unix ns the current queue started
	stopC   chan struct{}
	done    chan struct{}
	stopped sync.Once
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// startProgress starts reporting; every <= 0 picks 250 ms on a terminal and
// 5 s elsewhere.
func startProgress(w io.Writer, every time.Duration) *progress {
	p := &progress{w: w, tty: isTerminal(w), every: every, stopC: make(chan struct{}), done: make(chan struct{})}
	if p.every <= 0 {
		p.every = 5 * time.Second
		if p.tty {
			p.every = 250 * time.Millisecond
		}
	}
	go p.loop()
	return p
}

// begin starts a queue.
func (p *progress) begin(queue string) {
	p.moved.Store(0)
	p.qStart.Store(time.Now().UnixNano())
	p.queue.Store(&queue)
}

// end stops reporting the current queue.
func (p *progress) end() { p.queue.Store(nil) }

func (p *progress) add(n int64) {
	p.moved.Add(n)
	p.total.Add(n)
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(p.every)
	defer t.Stop()
	var lastQ string
	var lastN int64
	lastAt := time.Now()
	for {
		select {
		case <-p.stopC:
			return
		case now := <-t.C:
			q := p.queue.Load()
			if q == nil {
				continue
			}
			n := p.moved.Load()
			if *q != lastQ {
				lastQ, lastN = *q, 0
				lastAt = time.Unix(0, p.qStart.Load())
			}
			rate := 0.0
			if d := now.Sub(lastAt).Seconds(); d > 0 {
				rate = float64(n-lastN) / d
			}
			lastN, lastAt = n, now
			line := fmt.Sprintf("%s: %d moved, %.0f msg/s (total %d)", *q, n, rate, p.total.Load())
			p.mu.Lock()
			if p.tty {
				fmt.Fprintf(p.w, "\r%s\x1b[K", line)
				p.shown = true
			} else {
				fmt.Fprintln(p.w, line)
			}
			p.mu.Unlock()
		}
	}
}

// println writes a line of its own, clearing a progress line first.
func (p *progress) println(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
	fmt.Fprintf(p.w, format+"\n", a...)
}

func (p *progress) stop() {
	p.stopped.Do(func() { close(p.stopC) })
	<-p.done
	p.mu.Lock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
	p.mu.Unlock()
}
