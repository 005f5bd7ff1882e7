// Package migrate implements `amq migrate`: it moves the queued messages of
// a running ActiveMQ Classic (or any STOMP broker) into this broker over
// STOMP, queue by queue, acknowledging each message on the source only
// once the target has confirmed it with a RECEIPT. A crash in between can
// duplicate a message, never lose one.
package migrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

const usage = `Usage: amq migrate --from stomp://old-host:61613 [options]

Moves the messages waiting in the queues of a running ActiveMQ (or any STOMP
broker) into this one. Each message is sent to the target with a receipt and
acknowledged on the source only once the target confirmed it: an interrupted
run loses nothing (a message in flight may arrive twice) and can be run again.
Headers, properties, priority, persistence, expiry, correlation-id, type,
reply-to and group headers are kept; the source's message-id is kept as the
property amq.migrate.original-id. Expired messages are acked on the source and
counted, not moved. Dead-letter and advisory queues are skipped.

Source:
  --from URL              source broker: stomp://host:61613, stomp+ssl://host:61612
  --user U, --password P  source login
  --queues LIST           comma-separated queue names and ActiveMQ wildcards
                          ("." separates, "*" one segment, ">" the rest); default ">"
                          (all queues, found through ActiveMQ.Advisory.Queue)
  --include-dlq           also move dead-letter queues (ActiveMQ.DLQ...)
  --admin-url URL         list queues (with sizes) from the source's web console,
                          http://host:8161 (its /admin/xml/queues.jsp)
  --admin-user U, --admin-password P
                          web console login
Target:
  --to URL                target broker (default stomp://127.0.0.1:61613)
  --to-user U, --to-password P
                          target login
Run:
  --dry-run               list the queues that would move and their message
                          counts; move nothing
  --idle D                a queue is done when no message arrives for D (default 2s)
  --prefetch N            messages in flight per queue (default 100)
  --discover D            how long to collect queue advisories (default 1s)
  --timeout D             connect, receipt and write timeout (default 30s)
  --insecure              accept any TLS certificate
  --progress-interval D   progress line period (default 250ms on a terminal, 5s otherwise)
`

// UsageError is a command-line mistake (exit status 2 by convention).
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

type options struct {
	from, to       endpoint
	queues         string
	dryRun         bool
	idle           time.Duration
	prefetch       int
	includeDLQ     bool
	adminURL       string
	adminUser      string
	adminPassword  string
	discover       time.Duration
	timeout        time.Duration
	progressPeriod time.Duration
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("amq migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var (
		o                            options
		from, user, password         string
		to, toUser, toPassword       string
		insecure                     bool
		adminURL, adminUser, adminPw string
	)
	fs.StringVar(&from, "from", "", "")
	fs.StringVar(&user, "user", "", "")
	fs.StringVar(&password, "password", "", "")
	fs.StringVar(&o.queues, "queues", ">", "")
	fs.StringVar(&to, "to", "stomp://127.0.0.1:61613", "")
	fs.StringVar(&toUser, "to-user", "", "")
	fs.StringVar(&toPassword, "to-password", "", "")
	fs.BoolVar(&o.dryRun, "dry-run", false, "")
	fs.DurationVar(&o.idle, "idle", 2*time.Second, "")
	fs.IntVar(&o.prefetch, "prefetch", 100, "")
	fs.BoolVar(&o.includeDLQ, "include-dlq", false, "")
	fs.StringVar(&adminURL, "admin-url", "", "")
	fs.StringVar(&adminUser, "admin-user", "", "")
	fs.StringVar(&adminPw, "admin-password", "", "")
	fs.DurationVar(&o.discover, "discover", time.Second, "")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "")
	fs.BoolVar(&insecure, "insecure", false, "")
	fs.DurationVar(&o.progressPeriod, "progress-interval", 0, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &UsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &UsageError{fmt.Sprintf("unexpected argument %q (queues go in --queues A,B)", fs.Arg(0))}
	}
	if from == "" {
		return nil, &UsageError{"--from is required (the source broker, e.g. stomp://old-host:61613)"}
	}
	var err error
	if o.from, err = parseEndpoint(from, user, password); err != nil {
		return nil, &UsageError{"--from: " + err.Error()}
	}
	if o.to, err = parseEndpoint(to, toUser, toPassword); err != nil {
		return nil, &UsageError{"--to: " + err.Error()}
	}
	o.from.insecure, o.to.insecure = insecure, insecure
	switch {
	case o.prefetch < 1:
		return nil, &UsageError{"--prefetch must be at least 1"}
	case o.idle <= 0:
		return nil, &UsageError{"--idle must be positive"}
	case o.timeout <= 0:
		return nil, &UsageError{"--timeout must be positive"}
	case o.discover <= 0:
		return nil, &UsageError{"--discover must be positive"}
	case strings.TrimSpace(o.queues) == "":
		return nil, &UsageError{"--queues is empty"}
	}
	if adminURL != "" {
		if o.adminURL, err = adminFeedURL(adminURL); err != nil {
			return nil, &UsageError{err.Error()}
		}
		o.adminUser, o.adminPassword = adminUser, adminPw
	}
	if !o.dryRun && o.from.addr == o.to.addr {
		return nil, &UsageError{fmt.Sprintf("--from and --to are the same broker (%s)", o.from.addr)}
	}
	return &o, nil
}

// Run runs `amq migrate` with the arguments after the verb. Progress goes
// to stderr, the summary to stdout. A command-line mistake is a
// *UsageError; --help prints the usage and returns nil.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	m := &mover{o: o}
	defer m.closeAll()
	if err := m.ensureSource(ctx); err != nil {
		return err
	}
	queues, err := m.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	if o.dryRun {
		return m.dryRun(ctx, queues, stdout, stderr)
	}
	if len(queues) == 0 {
		fmt.Fprintf(stdout, "No queue of %s matches %q: nothing to move.\n", o.from, o.queues)
		return nil
	}
	if err := m.ensureTarget(ctx); err != nil {
		return err
	}
	if id := m.src.brokerID(); id != "" && id == m.dst.brokerID() {
		return fmt.Errorf("--from %s and --to %s are the same broker (%s): moving its queues onto themselves would never end", o.from, o.to, id)
	}
	return m.moveAll(ctx, queues, stdout, stderr)
}

// resolve turns --queues into the queues to move, in order: the literal
// names as given, then the discovered queues matching a pattern, by name.
func (m *mover) resolve(ctx context.Context, stderr io.Writer) ([]discovered, error) {
	o := m.o
	sel := parseSelection(o.queues)
	var found []discovered
	silent := false
	switch {
	case o.adminURL != "":
		var err error
		if found, err = fetchAdminQueues(ctx, o.adminURL, o.adminUser, o.adminPassword, o.timeout); err != nil {
			return nil, err
		}
	case len(sel.patterns) > 0:
		var n int
		var err error
		if found, n, err = discoverAdvisories(ctx, m.src, o.discover, o.timeout); err != nil {
			drop(&m.src)
			return nil, err
		}
		silent = n == 0
	}
	known := make(map[string]discovered, len(found))
	for _, d := range found {
		known[d.name] = d
	}
	var list []discovered
	listed := map[string]bool{}
	for _, name := range sel.names {
		d, ok := known[name]
		if !ok {
			d = discovered{name: name, size: -1}
		}
		list = append(list, d)
		listed[name] = true
	}
	for _, d := range found {
		if !listed[d.name] && sel.matches(d.name) {
			list = append(list, d)
			listed[d.name] = true
		}
	}
	out := list[:0]
	for _, d := range list {
		if r := skipReason(d.name, d.dlq, o.includeDLQ); r != "" {
			fmt.Fprintf(stderr, "skipping %s: %s\n", d.name, r)
			continue
		}
		out = append(out, d)
	}
	if len(out) == 0 && silent {
		return nil, fmt.Errorf("%w on %s within %s, so no queue matching %q was found. Name the queues (--queues A,B,C) or read them from the web console (--admin-url http://host:8161). "+
			"(ActiveMQ needs xstream and jettison on its classpath to send advisories to STOMP clients as jms-advisory-json; some packagings lack them.)",
			errNoAdvisories, o.from, o.discover, o.queues)
	}
	return out, nil
}

func (m *mover) dryRun(ctx context.Context, queues []discovered, stdout, stderr io.Writer) error {
	o := m.o
	fmt.Fprintf(stdout, "Dry run: %d queue(s) of %s would move to %s; nothing is moved.\n", len(queues), o.from, o.to)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tMESSAGES")
	var total int64
	unknown := false
	var firstErr error
	for _, q := range queues {
		n := q.size
		if n < 0 {
			var err error
			if n, err = m.countQueue(ctx, q.name); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(stderr, "counting %s: %v\n", q.name, err)
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		cell := "?"
		if n >= 0 {
			cell = fmt.Sprint(n)
			total += n
		} else {
			unknown = true
		}
		fmt.Fprintf(tw, "%s\t%s\n", q.name, cell)
	}
	t := fmt.Sprint(total)
	if unknown {
		t += "+"
	}
	fmt.Fprintf(tw, "TOTAL\t%s\n", t)
	tw.Flush()
	if unknown && firstErr == nil {
		fmt.Fprintf(stdout, "? = not counted: the source does not say it is ActiveMQ, whose browser:true subscriptions count without consuming; --admin-url gives sizes.\n")
	}
	if firstErr != nil {
		return fmt.Errorf("some queues could not be counted: %w", firstErr)
	}
	return nil
}

func (m *mover) moveAll(ctx context.Context, queues []discovered, stdout, stderr io.Writer) error {
	o := m.o
	p := startProgress(stderr, o.progressPeriod)
	m.prog = p
	p.println("Moving %d queue(s) from %s to %s", len(queues), o.from, o.to)
	var results []queueResult
	var abort error
	for _, q := range queues {
		if abort == nil && ctx.Err() != nil {
			abort = fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if abort != nil {
			results = append(results, queueResult{name: q.name, err: fmt.Errorf("not started: %w", abort)})
			continue
		}
		p.begin(q.name)
		r := m.moveQueue(ctx, q.name)
		// Messages delivered after the idle time went back to the queue (the
		// source paused longer than --idle): take another pass while passes
		// make progress.
		for r.err == nil && r.left > 0 && ctx.Err() == nil {
			more := m.moveQueue(ctx, q.name)
			r.busy = r.elapsed + more.busy
			r.elapsed += more.elapsed
			r.moved += more.moved
			r.expired += more.expired
			r.left, r.err = more.left, more.err
			if more.moved == 0 && more.expired == 0 {
				break
			}
		}
		p.end()
		switch {
		case r.err != nil:
			p.println("%s: FAILED after %d moved: %v", r.name, r.moved, r.err)
		case r.expired > 0:
			p.println("%s: %d moved, %d expired (acked, not moved) in %s", r.name, r.moved, r.expired, round(r.elapsed))
		default:
			p.println("%s: %d moved in %s", r.name, r.moved, round(r.elapsed))
		}
		var ce *connectError
		if errors.As(r.err, &ce) {
			abort = ce
		}
		results = append(results, r)
	}
	p.stop()
	m.closeAll()
	failed := printSummary(stdout, results)
	if failed > 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %d of %d queue(s) not finished; what was not moved is still on the source (run again to resume)", failed, len(results))
		}
		return fmt.Errorf("%d of %d queue(s) failed; what was not moved is still on the source (run again to resume)", failed, len(results))
	}
	return nil
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// printSummary writes the per-queue table and returns how many failed.
func printSummary(w io.Writer, results []queueResult) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tMOVED\tEXPIRED\tSECONDS\tMSG/S\tRESULT")
	var moved, exp int64
	var el, busy time.Duration
	failed := 0
	for _, r := range results {
		moved += r.moved
		exp += r.expired
		el += r.elapsed
		busy += r.busy
		res := "ok"
		switch {
		case r.err != nil && errors.Is(r.err, context.Canceled):
			res = "INTERRUPTED"
			if r.moved == 0 && r.elapsed == 0 {
				res += " (not started)"
			}
			failed++
		case r.err != nil:
			res = "FAILED: " + r.err.Error()
			failed++
		case r.left > 0:
			res = fmt.Sprintf("ok (%d arrived after the idle time and stay on the source)", r.left)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%s\t%s\n", r.name, r.moved, r.expired, r.elapsed.Seconds(), rate(r.moved, r.busy), res)
	}
	res := "ok"
	if failed > 0 {
		res = fmt.Sprintf("%d failed", failed)
	}
	fmt.Fprintf(tw, "TOTAL\t%d\t%d\t%.2f\t%s\t%s\n", moved, exp, el.Seconds(), rate(moved, busy), res)
	tw.Flush()
	return failed
}

func rate(n int64, d time.Duration) string {
	if n == 0 || d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}
