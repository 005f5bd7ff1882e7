// Package sql is the database/sql store for <jdbcPersistenceAdapter>: SQLite
// embedded, PostgreSQL and MySQL/MariaDB for shared-database setups.
//
// It uses ActiveMQ's table and column names (ACTIVEMQ_MSGS, ACTIVEMQ_ACKS,
// ACTIVEMQ_LOCK) so operators find what they expect, plus tables of its own:
// AMQ_GO_META (schema version, journal position, last seq; its presence
// marks the tables as ours), AMQ_GO_SUBS (durable subscriptions by key),
// AMQ_SUB_PENDING (per-subscription pending messages, since subscriptions
// ack individually) and AMQ_GO_CONTAINERS (known destinations). MSG holds the
// broker's own encoding, which ActiveMQ cannot read, and tables ActiveMQ
// wrote are refused rather than touched.
//
// A writer goroutine groups concurrent Apply calls into one transaction
// (group commit) and completes each after COMMIT.
package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"amq/store"
)

// SchemaVersion is the version this build writes into AMQ_GO_META.
const SchemaVersion = 1

// ErrForeign is wrapped by the error Open returns for a database holding
// tables ActiveMQ wrote.
var ErrForeign = errors.New("database tables written by ActiveMQ")

const (
	queueLen      = 4096
	maxGroupOps   = 1024
	loadChunk     = 500
	loadBytes     = 4 << 20
	ackPriority   = 5
	maxSelector   = 250
	metaVersion   = "SCHEMA_VERSION"
	metaPosition  = "POSITION"
	metaLastSeq   = "LAST_SEQ"
	foreignAdvice = "their MSG column holds Java-serialized OpenWire messages this broker cannot read; they are left untouched. " +
		"Point this broker at an empty database or schema and move the messages over the wire " +
		"(amq migrate --from stomp://old-host:61613) while the old broker drains its own tables"
)

// Options configure a Store.
type Options struct {
	// Driver is sqlite, pgx (PostgreSQL) or mysql (MySQL and MariaDB).
	Driver string
	// DSN is the driver's data source name; for sqlite a file path.
	DSN string
	// NoCreateTables makes Open fail instead of creating missing tables
	// (ActiveMQ's createTablesOnStartup="false"). The zero value creates them.
	NoCreateTables bool
	// Logger receives schema and error messages; slog.Default() when nil.
	Logger *slog.Logger
}

type request struct {
	ops  []store.Op
	done func(store.Position, error)
}

// Store is the SQL store. It is safe for concurrent use.
type Store struct {
	syncObs atomic.Pointer[func(time.Duration)]
	db      *sql.DB
	d       *dialect
	log     *slog.Logger

	closeMu    sync.RWMutex
	closed     bool
	reqs       chan *request
	writerDone chan struct{}

	pos     atomic.Uint64
	lastSeq atomic.Uint64
	known   map[string]bool // containers in AMQ_GO_CONTAINERS; writer only

	groups  atomic.Uint64
	grouped atomic.Uint64
}

var _ store.Store = (*Store)(nil)

// Open connects, checks that the tables are ours (or absent), creates what
// is missing and starts the writer.
func Open(ctx context.Context, opts Options) (*Store, error) {
	d, err := dialectFor(opts.Driver)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	dsn := opts.DSN
	if d == dialectSQLite {
		dsn = sqliteDSN(dsn)
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("sql store: %w", err)
	}
	s := &Store{
		db:         db,
		d:          d,
		log:        opts.Logger,
		reqs:       make(chan *request, queueLen),
		writerDone: make(chan struct{}),
		known:      map[string]bool{},
	}
	if err := s.init(ctx, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("sql store (%s): %w", d.name, err)
	}
	go s.writer()
	return s, nil
}

// sqliteDSN adds what makes a commit durable and concurrent reads work:
// WAL, synchronous=FULL, a busy timeout and write transactions that take
// the lock up front.
func sqliteDSN(path string) string {
	params := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	if strings.Contains(path, "?") {
		return path + "&" + params
	}
	return path + "?" + params
}

func (s *Store) exists(ctx context.Context, table string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.d.q(s.d.tableExists), table).Scan(&n); err != nil {
		return false, fmt.Errorf("look up table %s: %w", table, err)
	}
	return n > 0, nil
}

func (s *Store) init(ctx context.Context, opts Options) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if s.d == dialectSQLite {
		// One connection writes at a time anyway; a small pool keeps
		// readers from piling up file handles.
		s.db.SetMaxOpenConns(8)
	}
	hasMeta, err := s.exists(ctx, "AMQ_GO_META")
	if err != nil {
		return err
	}
	if !hasMeta {
		var foreign []string
		for _, t := range []string{"ACTIVEMQ_MSGS", "ACTIVEMQ_ACKS"} {
			ok, err := s.exists(ctx, t)
			if err != nil {
				return err
			}
			if ok {
				foreign = append(foreign, t)
			}
		}
		if len(foreign) > 0 {
			return fmt.Errorf("%w: the database holds %s without this broker's AMQ_GO_META marker, so ActiveMQ wrote them: %s",
				ErrForeign, strings.Join(foreign, " and "), foreignAdvice)
		}
		if opts.NoCreateTables {
			return errors.New("tables are missing and table creation is off (createTablesOnStartup=false)")
		}
		// The marker goes first: a start-up interrupted half way must not
		// leave ACTIVEMQ_* tables that look foreign next time.
		if _, err := s.db.ExecContext(ctx, metaDDL); err != nil {
			return fmt.Errorf("create AMQ_GO_META: %w", err)
		}
		for _, row := range []struct {
			name string
			val  int64
		}{{metaVersion, SchemaVersion}, {metaPosition, 0}, {metaLastSeq, 0}} {
			if _, err := s.db.ExecContext(ctx, s.d.q("INSERT INTO AMQ_GO_META (NAME, VAL) VALUES (?, ?)"), row.name, row.val); err != nil {
				return fmt.Errorf("initialise AMQ_GO_META: %w", err)
			}
		}
		s.log.Info("created the message store schema marker", "dialect", s.d.name, "version", SchemaVersion)
	}
	meta := map[string]int64{}
	rows, err := s.db.QueryContext(ctx, "SELECT NAME, VAL FROM AMQ_GO_META")
	if err != nil {
		return fmt.Errorf("read AMQ_GO_META: %w", err)
	}
	for rows.Next() {
		var name string
		var val int64
		if err := rows.Scan(&name, &val); err != nil {
			rows.Close()
			return fmt.Errorf("read AMQ_GO_META: %w", err)
		}
		meta[name] = val
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read AMQ_GO_META: %w", err)
	}
	if v := meta[metaVersion]; v > SchemaVersion {
		return fmt.Errorf("the tables have schema version %d; this build knows up to %d", v, SchemaVersion)
	} else if v < 1 {
		return fmt.Errorf("AMQ_GO_META has no valid %s row", metaVersion)
	}
	for _, name := range []string{metaPosition, metaLastSeq} {
		if _, ok := meta[name]; !ok {
			if _, err := s.db.ExecContext(ctx, s.d.q("INSERT INTO AMQ_GO_META (NAME, VAL) VALUES (?, 0)"), name); err != nil {
				return fmt.Errorf("initialise AMQ_GO_META: %w", err)
			}
		}
	}
	for _, t := range s.d.schema() {
		ok, err := s.exists(ctx, t.name)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if opts.NoCreateTables {
			return fmt.Errorf("table %s is missing and table creation is off (createTablesOnStartup=false)", t.name)
		}
		for _, ddl := range t.ddl {
			if _, err := s.db.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("create %s: %w", t.name, err)
			}
		}
		s.log.Info("created table", "table", t.name, "dialect", s.d.name)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ACTIVEMQ_LOCK WHERE ID = 1").Scan(&n); err != nil {
		return fmt.Errorf("read ACTIVEMQ_LOCK: %w", err)
	}
	if n == 0 {
		if _, err := s.db.ExecContext(ctx, "INSERT INTO ACTIVEMQ_LOCK (ID) VALUES (1)"); err != nil {
			return fmt.Errorf("seed ACTIVEMQ_LOCK: %w", err)
		}
	}
	s.pos.Store(uint64(meta[metaPosition]))
	lastSeq := meta[metaLastSeq]
	var maxID sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(ID) FROM ACTIVEMQ_MSGS").Scan(&maxID); err != nil {
		return fmt.Errorf("read ACTIVEMQ_MSGS: %w", err)
	}
	s.lastSeq.Store(uint64(max(lastSeq, maxID.Int64)))
	rows, err = s.db.QueryContext(ctx, "SELECT CONTAINER FROM AMQ_GO_CONTAINERS")
	if err != nil {
		return fmt.Errorf("read AMQ_GO_CONTAINERS: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		s.known[c] = true
	}
	return rows.Err()
}

// Apply queues ops for the writer; done runs after their transaction
// committed.
// done runs on the writer goroutine, in journal order: it must not block,
// and must not wait for another Apply.
func (s *Store) Apply(ops []store.Op, done func(store.Position, error)) {
	if done == nil {
		done = func(store.Position, error) {}
	}
	cp := make([]store.Op, len(ops))
	for i, op := range ops {
		switch op.Kind {
		case store.OpAdd:
			if op.Record.Seq > math.MaxInt64 {
				done(0, fmt.Errorf("seq %d does not fit the BIGINT ID column", op.Record.Seq))
				return
			}
			op.Record.Data = slices.Clone(op.Record.Data)
			op.Record.Subs = slices.Clone(op.Record.Subs)
		case store.OpAck, store.OpAddSub, store.OpRemoveSub:
		default:
			done(0, fmt.Errorf("unknown op kind %d", op.Kind))
			return
		}
		cp[i] = op
	}
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		done(0, store.ErrClosed)
		return
	}
	s.reqs <- &request{ops: cp, done: done}
}

func (s *Store) writer() {
	defer close(s.writerDone)
	group := make([]*request, 0, 64)
	last := 0
	for {
		r, ok := <-s.reqs
		if !ok {
			return
		}
		if last > 1 && len(s.reqs) < last-1 {
			// Let the callers of the previous group enqueue again so they
			// share this transaction.
			runtime.Gosched()
		}
		group = append(group[:0], r)
	drain:
		for len(group) < maxGroupOps {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				group = append(group, r)
			default:
				break drain
			}
		}
		s.commit(group)
		last = len(group)
		clear(group)
	}
}

func (s *Store) commit(group []*request) {
	atCommit, err := s.runGroup(group)
	if err == nil {
		return
	}
	if len(group) == 1 || atCommit {
		// After a failed COMMIT the outcome is unknown: report it rather
		// than apply the batches again.
		for _, r := range group {
			r.done(0, err)
		}
		return
	}
	// One bad batch must not fail the others: retry each on its own.
	for _, r := range group {
		if _, err := s.runGroup([]*request{r}); err != nil {
			r.done(0, err)
		}
	}
}

// runGroup applies the group in one transaction and completes it. atCommit
// reports that the error came from COMMIT itself.
func (s *Store) runGroup(group []*request) (atCommit bool, err error) {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	w := &txWriter{s: s, tx: tx, ctx: ctx, lastSeq: s.lastSeq.Load(), added: map[string]bool{}}
	var ops []*store.Op
	for _, r := range group {
		for i := range r.ops {
			ops = append(ops, &r.ops[i])
		}
	}
	if err := w.applyAll(ops); err != nil {
		tx.Rollback()
		return false, err
	}
	base := s.pos.Load()
	end := base + uint64(len(group))
	if _, err := tx.ExecContext(ctx, s.d.q("UPDATE AMQ_GO_META SET VAL = ? WHERE NAME = ?"), int64(end), metaPosition); err != nil {
		tx.Rollback()
		return false, fmt.Errorf("update position: %w", err)
	}
	if w.lastSeq != s.lastSeq.Load() {
		if _, err := tx.ExecContext(ctx, s.d.q("UPDATE AMQ_GO_META SET VAL = ? WHERE NAME = ?"), int64(w.lastSeq), metaLastSeq); err != nil {
			tx.Rollback()
			return false, fmt.Errorf("update last seq: %w", err)
		}
	}
	start := time.Now()
	if err := tx.Commit(); err != nil {
		return true, fmt.Errorf("commit: %w", err)
	}
	if f := s.syncObs.Load(); f != nil {
		(*f)(time.Since(start))
	}
	for c := range w.added {
		s.known[c] = true
	}
	s.lastSeq.Store(w.lastSeq)
	s.pos.Store(end)
	s.groups.Add(1)
	s.grouped.Add(uint64(len(group)))
	for i, r := range group {
		r.done(store.Position(base+uint64(i)+1), nil)
	}
	return false, nil
}

type txWriter struct {
	s       *Store
	tx      *sql.Tx
	ctx     context.Context
	lastSeq uint64
	added   map[string]bool
}

// maxRunRows bounds the rows of one multi-row statement (5 parameters
// each, under every database's parameter limit).
const maxRunRows = 500

// applyAll applies ops in order. Where the database can say which rows a
// statement touched (RETURNING), runs of adds and of plain acks become one
// statement each.
func (w *txWriter) applyAll(ops []*store.Op) error {
	batch := w.s.d != dialectMySQL
	for i := 0; i < len(ops); {
		j := i + 1
		switch {
		case batch && ops[i].Kind == store.OpAdd:
			for j < len(ops) && j-i < maxRunRows && ops[j].Kind == store.OpAdd {
				j++
			}
			if j-i > 1 {
				if err := w.addRun(ops[i:j]); err != nil {
					return err
				}
				i = j
				continue
			}
		case batch && ops[i].Kind == store.OpAck && ops[i].Ack.Sub == "":
			for j < len(ops) && j-i < maxRunRows && ops[j].Kind == store.OpAck && ops[j].Ack.Sub == "" {
				j++
			}
			if j-i > 1 {
				if err := w.ackRun(ops[i:j]); err != nil {
					return err
				}
				i = j
				continue
			}
		}
		if err := w.apply(ops[i]); err != nil {
			return err
		}
		i++
	}
	return nil
}

// addRun inserts consecutive adds with one statement, then the pending
// rows of those that were not duplicates.
func (w *txWriter) addRun(ops []*store.Op) error {
	d := w.s.d
	bySeq := make(map[uint64]*store.Record, len(ops))
	for _, op := range ops {
		if _, dup := bySeq[op.Record.Seq]; dup {
			// Which of two rows with one ID got in is not knowable from
			// RETURNING: do these one by one.
			for _, op := range ops {
				if err := w.apply(op); err != nil {
					return err
				}
			}
			return nil
		}
		bySeq[op.Record.Seq] = &op.Record
	}
	var q strings.Builder
	q.WriteString("INSERT INTO ACTIVEMQ_MSGS (ID, CONTAINER, EXPIRATION, MSG, PRIORITY) VALUES ")
	args := make([]any, 0, 5*len(ops))
	for i, op := range ops {
		r := &op.Record
		if err := w.knowContainer(r.Container); err != nil {
			return err
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, int64(r.Seq), r.Container, r.Expiration, r.Data, int64(r.Priority))
		w.lastSeq = max(w.lastSeq, r.Seq)
	}
	q.WriteString(" ON CONFLICT (ID) DO NOTHING RETURNING ID")
	ids, err := w.queryIDs(d.q(q.String()), args...)
	if err != nil {
		return fmt.Errorf("add %d messages: %w", len(ops), err)
	}
	q.Reset()
	args = args[:0]
	n := 0
	for _, id := range ids {
		r := bySeq[uint64(id)]
		var subs []string
		for _, sub := range r.Subs {
			if !slices.Contains(subs, sub) {
				subs = append(subs, sub)
			}
		}
		for _, sub := range subs {
			if n == 0 {
				q.WriteString("INSERT INTO AMQ_SUB_PENDING (SUB_KEY, ID, CONTAINER) VALUES ")
			} else {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, sub, id, r.Container)
			n++
			if n == maxRunRows {
				if _, err := w.exec(d.q(q.String()), args...); err != nil {
					return fmt.Errorf("add pending rows: %w", err)
				}
				q.Reset()
				args, n = args[:0], 0
			}
		}
	}
	if n > 0 {
		if _, err := w.exec(d.q(q.String()), args...); err != nil {
			return fmt.Errorf("add pending rows: %w", err)
		}
	}
	return nil
}

// ackRun deletes consecutive plain acks with one statement, then the
// pending rows of the messages it removed.
func (w *txWriter) ackRun(ops []*store.Op) error {
	d := w.s.d
	var q strings.Builder
	q.WriteString("DELETE FROM ACTIVEMQ_MSGS WHERE ")
	args := make([]any, 0, 2*len(ops))
	n := 0
	for _, op := range ops {
		if op.Ack.Seq > math.MaxInt64 {
			continue
		}
		if n > 0 {
			q.WriteString(" OR ")
		}
		q.WriteString("(ID = ? AND CONTAINER = ?)")
		args = append(args, int64(op.Ack.Seq), op.Ack.Container)
		n++
	}
	if n == 0 {
		return nil
	}
	q.WriteString(" RETURNING ID")
	ids, err := w.queryIDs(d.q(q.String()), args...)
	if err != nil {
		return fmt.Errorf("ack %d messages: %w", n, err)
	}
	if len(ids) == 0 {
		return nil
	}
	q.Reset()
	q.WriteString("DELETE FROM AMQ_SUB_PENDING WHERE ID IN (")
	args = args[:0]
	for i, id := range ids {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("?")
		args = append(args, id)
	}
	q.WriteString(")")
	if _, err := w.exec(d.q(q.String()), args...); err != nil {
		return fmt.Errorf("ack %d messages: %w", n, err)
	}
	return nil
}

func (w *txWriter) queryIDs(query string, args ...any) ([]int64, error) {
	rows, err := w.tx.QueryContext(w.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (w *txWriter) knowContainer(c string) error {
	if w.s.known[c] || w.added[c] {
		return nil
	}
	if _, err := w.exec(w.s.d.insertContainer(), c); err != nil {
		return fmt.Errorf("add container %s: %w", c, err)
	}
	w.added[c] = true
	return nil
}

func (w *txWriter) exec(query string, args ...any) (int64, error) {
	res, err := w.tx.ExecContext(w.ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (w *txWriter) apply(op *store.Op) error {
	d := w.s.d
	switch op.Kind {
	case store.OpAdd:
		r := &op.Record
		if err := w.knowContainer(r.Container); err != nil {
			return err
		}
		n, err := w.exec(d.insertMsg(), int64(r.Seq), r.Container, r.Expiration, r.Data, int64(r.Priority))
		if err != nil {
			return fmt.Errorf("add %s seq %d: %w", r.Container, r.Seq, err)
		}
		w.lastSeq = max(w.lastSeq, r.Seq)
		if n == 0 {
			return nil // the seq exists: a duplicate add is ignored
		}
		var subs []string
		for _, sub := range r.Subs {
			if !slices.Contains(subs, sub) {
				subs = append(subs, sub)
			}
		}
		if len(subs) == 0 {
			return nil
		}
		var q strings.Builder
		q.WriteString("INSERT INTO AMQ_SUB_PENDING (SUB_KEY, ID, CONTAINER) VALUES ")
		args := make([]any, 0, 3*len(subs))
		for i, sub := range subs {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, sub, int64(r.Seq), r.Container)
		}
		if _, err := w.exec(d.q(q.String()), args...); err != nil {
			return fmt.Errorf("add pending of %s seq %d: %w", r.Container, r.Seq, err)
		}
	case store.OpAck:
		a := &op.Ack
		if a.Seq > math.MaxInt64 {
			return nil
		}
		id := int64(a.Seq)
		if a.Sub == "" {
			n, err := w.exec(d.q("DELETE FROM ACTIVEMQ_MSGS WHERE ID = ? AND CONTAINER = ?"), id, a.Container)
			if err != nil {
				return fmt.Errorf("ack %s seq %d: %w", a.Container, a.Seq, err)
			}
			if n > 0 {
				if _, err := w.exec(d.q("DELETE FROM AMQ_SUB_PENDING WHERE ID = ?"), id); err != nil {
					return fmt.Errorf("ack %s seq %d: %w", a.Container, a.Seq, err)
				}
			}
			return nil
		}
		if _, err := w.exec(d.q("DELETE FROM AMQ_SUB_PENDING WHERE SUB_KEY = ? AND ID = ? AND CONTAINER = ?"), a.Sub, id, a.Container); err != nil {
			return fmt.Errorf("ack %s seq %d for %s: %w", a.Container, a.Seq, a.Sub, err)
		}
		// Gone once no subscription is pending; a queue message never had any.
		if _, err := w.exec(d.q("DELETE FROM ACTIVEMQ_MSGS WHERE ID = ? AND CONTAINER = ? AND NOT EXISTS "+
			"(SELECT 1 FROM AMQ_SUB_PENDING WHERE AMQ_SUB_PENDING.ID = ?)"), id, a.Container, id); err != nil {
			return fmt.Errorf("ack %s seq %d for %s: %w", a.Container, a.Seq, a.Sub, err)
		}
	case store.OpAddSub:
		si := &op.Sub
		if err := w.removeSubRows(si.Key); err != nil {
			return err
		}
		sel := si.Selector
		if len(sel) > maxSelector {
			sel = truncateUTF8(sel, maxSelector)
		}
		if _, err := w.exec(d.q("DELETE FROM ACTIVEMQ_ACKS WHERE CONTAINER = ? AND CLIENT_ID = ? AND SUB_NAME = ? AND PRIORITY = ?"),
			si.Topic, si.ClientID, si.Name, ackPriority); err != nil {
			return fmt.Errorf("add subscription %s: %w", si.Key, err)
		}
		if _, err := w.exec(d.q("INSERT INTO ACTIVEMQ_ACKS (CONTAINER, SUB_DEST, CLIENT_ID, SUB_NAME, SELECTOR, LAST_ACKED_ID, PRIORITY) "+
			"VALUES (?, ?, ?, ?, ?, 0, ?)"), si.Topic, si.Topic, si.ClientID, si.Name, nullable(sel), ackPriority); err != nil {
			return fmt.Errorf("add subscription %s: %w", si.Key, err)
		}
		noLocal := 0
		if si.NoLocal {
			noLocal = 1
		}
		if _, err := w.exec(d.q("INSERT INTO AMQ_GO_SUBS (SUB_KEY, CONTAINER, CLIENT_ID, SUB_NAME, SELECTOR, NO_LOCAL) VALUES (?, ?, ?, ?, ?, ?)"),
			si.Key, si.Topic, si.ClientID, si.Name, si.Selector, noLocal); err != nil {
			return fmt.Errorf("add subscription %s: %w", si.Key, err)
		}
	case store.OpRemoveSub:
		key := op.Sub.Key
		// Messages only this subscription still waited for go with it, in
		// every topic they were sent to (a wildcard or composite
		// subscription's lie in several).
		if _, err := w.exec(d.q("DELETE FROM ACTIVEMQ_MSGS WHERE ID IN "+
			"(SELECT ID FROM AMQ_SUB_PENDING WHERE SUB_KEY = ?) AND NOT EXISTS "+
			"(SELECT 1 FROM AMQ_SUB_PENDING WHERE AMQ_SUB_PENDING.ID = ACTIVEMQ_MSGS.ID AND AMQ_SUB_PENDING.SUB_KEY <> ?)"),
			key, key); err != nil {
			return fmt.Errorf("remove subscription %s: %w", key, err)
		}
		if _, err := w.exec(d.q("DELETE FROM AMQ_SUB_PENDING WHERE SUB_KEY = ?"), key); err != nil {
			return fmt.Errorf("remove subscription %s: %w", key, err)
		}
		if err := w.removeSubRows(key); err != nil {
			return err
		}
	}
	return nil
}

// removeSubRows deletes the rows describing subscription key, not its
// pending messages.
func (w *txWriter) removeSubRows(key string) error {
	d := w.s.d
	var topic, clientID, name string
	err := w.tx.QueryRowContext(w.ctx, d.q("SELECT CONTAINER, CLIENT_ID, SUB_NAME FROM AMQ_GO_SUBS WHERE SUB_KEY = ?"), key).Scan(&topic, &clientID, &name)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("subscription %s: %w", key, err)
	}
	if _, err := w.exec(d.q("DELETE FROM ACTIVEMQ_ACKS WHERE CONTAINER = ? AND CLIENT_ID = ? AND SUB_NAME = ? AND PRIORITY = ?"),
		topic, clientID, name, ackPriority); err != nil {
		return fmt.Errorf("subscription %s: %w", key, err)
	}
	if _, err := w.exec(d.q("DELETE FROM AMQ_GO_SUBS WHERE SUB_KEY = ?"), key); err != nil {
		return fmt.Errorf("subscription %s: %w", key, err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Load reads pending records in seq order, a page per query. Loaded
// records carry no Subs.
func (s *Store) Load(ctx context.Context, container, sub string, after uint64, limit int, fn func(store.Record) bool) error {
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return store.ErrClosed
	}
	n := 0
	page := loadChunk
	for {
		if after >= math.MaxInt64 {
			return nil
		}
		want := page
		if limit > 0 && limit-n < want {
			want = limit - n
		}
		recs, err := s.loadPage(ctx, container, sub, int64(after), want)
		if err != nil {
			return err
		}
		// Large messages get smaller pages, so a page stays near loadBytes.
		size := 0
		for _, r := range recs {
			size += len(r.Data)
		}
		if len(recs) > 0 {
			page = max(1, min(loadChunk, loadBytes/max(1, size/len(recs))))
		}
		for _, r := range recs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !fn(r) {
				return nil
			}
			n++
			after = r.Seq
		}
		if len(recs) < want || (limit > 0 && n >= limit) {
			return nil
		}
	}
}

func (s *Store) loadPage(ctx context.Context, container, sub string, after int64, want int) ([]store.Record, error) {
	var rows *sql.Rows
	var err error
	if sub == "" {
		rows, err = s.db.QueryContext(ctx, s.d.q("SELECT ID, PRIORITY, EXPIRATION, MSG FROM ACTIVEMQ_MSGS "+
			"WHERE CONTAINER = ? AND ID > ? ORDER BY ID LIMIT ?"), container, after, want)
	} else if container == "" {
		// Every container: a wildcard or composite subscription's
		// messages lie in the topics they were sent to.
		rows, err = s.db.QueryContext(ctx, s.d.q("SELECT m.ID, m.PRIORITY, m.EXPIRATION, m.MSG, m.CONTAINER FROM AMQ_SUB_PENDING p "+
			"JOIN ACTIVEMQ_MSGS m ON m.ID = p.ID WHERE p.SUB_KEY = ? AND p.ID > ? ORDER BY p.ID LIMIT ?"),
			sub, after, want)
	} else {
		rows, err = s.db.QueryContext(ctx, s.d.q("SELECT m.ID, m.PRIORITY, m.EXPIRATION, m.MSG, m.CONTAINER FROM AMQ_SUB_PENDING p "+
			"JOIN ACTIVEMQ_MSGS m ON m.ID = p.ID WHERE p.SUB_KEY = ? AND p.CONTAINER = ? AND p.ID > ? ORDER BY p.ID LIMIT ?"),
			sub, container, after, want)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", container, err)
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		var id, prio int64
		var exp sql.NullInt64
		var data []byte
		dest := []any{&id, &prio, &exp, &data}
		r := store.Record{Container: container}
		if sub != "" {
			dest = append(dest, &r.Container)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("load %s: %w", container, err)
		}
		r.Seq, r.Priority, r.Expiration, r.Data = uint64(id), uint8(prio), exp.Int64, data
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", container, err)
	}
	return out, nil
}

// Containers lists every known container with its counts.
func (s *Store) Containers(ctx context.Context) ([]store.ContainerStats, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT c.CONTAINER, COUNT(m.ID), COALESCE(SUM(LENGTH(m.MSG)), 0) FROM AMQ_GO_CONTAINERS c "+
		"LEFT JOIN ACTIVEMQ_MSGS m ON m.CONTAINER = c.CONTAINER GROUP BY c.CONTAINER")
	if err != nil {
		return nil, fmt.Errorf("containers: %w", err)
	}
	defer rows.Close()
	var out []store.ContainerStats
	for rows.Next() {
		var c store.ContainerStats
		if err := rows.Scan(&c.Container, &c.Count, &c.Bytes); err != nil {
			return nil, fmt.Errorf("containers: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("containers: %w", err)
	}
	// Collations differ between databases; sort bytewise like the other stores.
	sort.Slice(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out, nil
}

// Subscriptions lists the durable subscriptions by key.
func (s *Store) Subscriptions(ctx context.Context) ([]store.SubInfo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT SUB_KEY, CONTAINER, CLIENT_ID, SUB_NAME, SELECTOR, NO_LOCAL FROM AMQ_GO_SUBS")
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	defer rows.Close()
	var out []store.SubInfo
	for rows.Next() {
		var si store.SubInfo
		var sel sql.NullString
		var noLocal int
		if err := rows.Scan(&si.Key, &si.Topic, &si.ClientID, &si.Name, &sel, &noLocal); err != nil {
			return nil, fmt.Errorf("subscriptions: %w", err)
		}
		si.Selector, si.NoLocal = sel.String, noLocal != 0
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// LastSeq is the highest seq ever added.
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// Position counts committed Apply calls; it is kept in AMQ_GO_META.
func (s *Store) Position() store.Position { return store.Position(s.pos.Load()) }

// Close waits for queued Apply calls, then closes the connection pool.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.closeMu.Unlock()
	<-s.writerDone
	return s.db.Close()
}

// groupStats reports committed transactions and the Apply calls they held.
func (s *Store) groupStats() (groups, requests uint64) {
	return s.groups.Load(), s.grouped.Load()
}

// SetSyncObserver registers a function told how long each group commit's
// COMMIT took (for the fsync latency histogram).
func (s *Store) SetSyncObserver(f func(time.Duration)) { s.syncObs.Store(&f) }
