package loadtool

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Summary is the result of a run, printed at the end (--json prints it as
// one object with these field names). The producer's seconds run from the
// first send until every connection closed, all receipts in; the
// consumer's from the first message received to the last. Latencies are
// the producer's SEND-to-RECEIPT (COMMIT-to-RECEIPT when only commits take
// receipts) and the consumer's end to end, from the amq-sent-ns stamp.
type Summary struct {
	Messages int64   `json:"messages"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"` // messages per second
	MBps     float64 `json:"mbps"` // body bytes per second / 1e6
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
	P999us   float64 `json:"p999_us"`
	MaxUs    float64 `json:"max_us"`
	Errors   int     `json:"errors"`
}

func newSummary(messages, bodyBytes int64, elapsed time.Duration, lat *Histogram, errs int) Summary {
	s := Summary{Messages: messages, Seconds: round(elapsed.Seconds(), 6), Errors: errs}
	if secs := elapsed.Seconds(); secs > 0 {
		s.Rate = round(float64(messages)/secs, 1)
		s.MBps = round(float64(bodyBytes)/secs/1e6, 3)
	}
	if lat != nil && lat.Count() > 0 {
		s.P50us = usec(lat.Quantile(0.50))
		s.P99us = usec(lat.Quantile(0.99))
		s.P999us = usec(lat.Quantile(0.999))
		s.MaxUs = usec(lat.Max())
	}
	return s
}

func usec(ns int64) float64 { return round(float64(ns)/1e3, 1) }

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// printSummary writes the summary: one JSON object, or a line of counts and
// rates followed by a latency line per histogram that has values.
func printSummary(w io.Writer, jsonOut bool, verb string, s Summary, threads int, lats ...namedHist) {
	if jsonOut {
		b, _ := json.Marshal(s)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "%s %d messages in %.3f s: %.0f msgs/s, %.2f MB/s (%d %s, %d %s)\n",
		verb, s.Messages, s.Seconds, s.Rate, s.MBps,
		threads, plural(threads, "thread", "threads"), s.Errors, plural(s.Errors, "error", "errors"))
	for _, l := range lats {
		if l.h == nil || l.h.Count() == 0 {
			if l.none != "" {
				fmt.Fprintf(w, "%s: %s\n", l.name, l.none)
			}
			continue
		}
		fmt.Fprintf(w, "%s: p50 %s, p99 %s, p99.9 %s, max %s (%d samples)\n", l.name,
			fmtNanos(l.h.Quantile(0.50)), fmtNanos(l.h.Quantile(0.99)), fmtNanos(l.h.Quantile(0.999)),
			fmtNanos(l.h.Max()), l.h.Count())
	}
}

type namedHist struct {
	name string
	h    *Histogram
	none string // printed when h is empty; "" prints nothing
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func fmtNanos(ns int64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%d ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f us", float64(ns)/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2f ms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.3f s", float64(ns)/1e9)
}

// isTerminal tells whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress prints a progress line to stderr on runs longer than 2 s: updated
// in place every second on a terminal, else one line every 5 s.
type progress struct {
	w      io.Writer
	tty    bool
	label  string
	target int64
	count  func() int64
	start  time.Time

	stopOnce sync.Once
	stopC    chan struct{}
	done     chan struct{}
}

const (
	progressAfter    = 2 * time.Second
	progressLogEvery = 5 * time.Second
)

func startProgress(w io.Writer, label string, target int64, count func() int64) *progress {
	p := &progress{w: w, tty: isTerminal(w), label: label, target: target, count: count,
		start: time.Now(), stopC: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	printed := false
	var lastN int64
	lastAt := p.start
	for {
		select {
		case <-p.stopC:
			if printed && p.tty {
				fmt.Fprint(p.w, "\r\x1b[K")
			}
			return
		case now := <-t.C:
			el := now.Sub(p.start)
			if el < progressAfter {
				continue
			}
			if !p.tty && now.Sub(lastAt) < progressLogEvery-100*time.Millisecond {
				continue
			}
			n := p.count()
			rate := float64(n-lastN) / now.Sub(lastAt).Seconds()
			line := p.line(n, rate, el)
			if p.tty {
				fmt.Fprintf(p.w, "\r%s\x1b[K", line)
			} else {
				fmt.Fprintln(p.w, line)
			}
			printed = true
			lastN, lastAt = n, now
		}
	}
}

func (p *progress) line(n int64, rate float64, el time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d", p.label, n)
	if p.target > 0 {
		fmt.Fprintf(&b, "/%d messages (%d%%)", p.target, n*100/p.target)
	} else {
		b.WriteString(" messages")
	}
	fmt.Fprintf(&b, ", %.0f msgs/s, %.0f s", rate, el.Seconds())
	return b.String()
}

func (p *progress) stop() {
	p.stopOnce.Do(func() { close(p.stopC) })
	<-p.done
}
