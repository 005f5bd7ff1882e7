// Package leveldb is the default durable store: an append-only journal of
// checksummed records in segment files plus a goleveldb index that can be
// rebuilt from the journal at any time.
//
// One writer goroutine owns the journal. It takes every Apply waiting in its
// queue, appends their records with one write, syncs once, updates the index
// with one leveldb batch and then completes the callers in order (group
// commit). The index is not synced on every batch: it records the journal
// position it reflects, and on Open the journal is replayed from there.
//
// Segments whose records are all acked are deleted. A segment may hold acks
// for messages in older segments, so it is kept until those are gone too;
// when the oldest segment is pinned by a few live messages, they are
// rewritten forward into the active segment so it can go.
package leveldb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/iterator"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"

	"amq/store"
)

// DefaultSegmentSize is the journal segment size when Options.SegmentSize is
// zero (ActiveMQ's journalMaxFileLength / logSize).
const DefaultSegmentSize = 32 << 20

const (
	indexDirName    = "index"
	lockFileName    = "LOCK"
	segPrefix       = "journal-"
	segSuffix       = ".log"
	queueLen        = 4096     // Apply calls waiting for the writer before Apply blocks
	maxGroupOps     = 4096     // requests committed together at most
	maxGroupBytes   = 16 << 20 // journal bytes committed together at most
	loadChunk       = 256      // records read per index snapshot in Load
	loadChunkBytes  = 4 << 20  // or fewer when they are large
	compactPercent  = 10       // rewrite the oldest segment when its live bytes fall below this share
	replayBatchSize = 4 << 20
	maxHeaderLen    = recHeaderSize + len(journalMagic) + 1 + 10
)

// Options configure a Store.
type Options struct {
	// Dir holds the journal segments and the index directory.
	Dir string
	// NoSync skips the fsync after each group commit: a completed Apply
	// survives a process crash but not an OS crash or power loss. The zero
	// value syncs, as ActiveMQ does by default.
	NoSync bool
	// SegmentSize is the size at which the journal moves to a new segment;
	// DefaultSegmentSize when zero.
	SegmentSize int64
	// Logger receives recovery and garbage collection messages;
	// slog.Default() when nil.
	Logger *slog.Logger
}

type segment struct {
	start uint64
	path  string
	f     *os.File
	size  atomic.Int64 // bytes written
}

func (g *segment) end() uint64 { return g.start + uint64(g.size.Load()) }

// segStat is the garbage collection state of a segment, guarded by Store.mu.
type segStat struct {
	live      int64               // messages and subscriptions whose current record is here
	liveBytes int64               // their payload bytes
	refs      map[uint64]struct{} // older segments this one holds acks for
}

type contStat struct{ count, bytes int64 }

type request struct {
	rec  []byte
	done func(store.Position, error)
	end  uint64
	// lazy requests need no fsync of their own (see store.LazyApplier);
	// lazyOps is how many ops such a request holds against maxLazyOps.
	lazy    bool
	lazyOps int
	// acksOnly: every op is an ack, so the request changes no sequence
	// number and may be laid out before the index sees it (placeAcksFirst).
	acksOnly bool
	// compaction requests carry records to rewrite instead of rec
	moves    []moveCand
	subMoves []subCand
}

type moveCand struct {
	container string
	seq       uint64
	loc       uint64
	payload   []byte // the ADD payload
}

type subCand struct {
	key string
	loc uint64
}

// Store is the journal + index store. It is safe for concurrent use.
type Store struct {
	syncObs atomic.Pointer[func(time.Duration)]
	opts    Options
	log     *slog.Logger
	dir     string
	segSize int64
	lock    *os.File
	db      *leveldb.DB

	closeMu sync.RWMutex
	closed  bool
	reqs    chan *request

	lazyMu   sync.Mutex
	lazyCond *sync.Cond
	lazyOps  int    // ops of lazy requests not yet committed
	lazyNext uint64 // next ticket to hand out (acquireLazy)
	lazyTurn uint64 // ticket admitted next

	writerDone chan struct{}
	// indexq carries groups of acks from the writer, which has journaled
	// them, to the indexer (see indexer); a nil-group item is a barrier.
	indexq     chan *ackGroup
	indexDone  chan struct{}
	quit       chan struct{}
	gcKick     chan struct{}
	bg         sync.WaitGroup
	gcMu       sync.Mutex
	compacting atomic.Bool
	noCompact  atomic.Bool // tests turn segment rewriting off

	// segMu guards segs and the lifetime of their files: readers hold it
	// shared while they read a location, deletion holds it exclusively.
	segMu sync.RWMutex
	segs  []*segment // by start; the last one is active

	mu       sync.Mutex
	conts    map[string]*contStat
	segStats map[uint64]*segStat
	failed   error
	// floor is the start of the segment that was active when the group
	// being committed began: that group may still add records to it or to
	// segments after it. unindexed holds the first segment of each group of
	// acks journaled and not yet indexed, oldest first. Garbage collection
	// leaves the lowest of these and the segments after it alone
	// (floorLocked).
	floor     uint64
	unindexed []uint64

	pos     atomic.Uint64
	lastSeq atomic.Uint64
	syncAvg atomic.Int64 // recent fsync duration in ns (see groupWait)

	// jmu orders the two ways into the journal: a caller journaling its
	// acks itself (submit) holds it and finds queued at zero; the writer
	// appends only for requests it holds, counted in queued until it is
	// done with them. So one of them at a time owns the journal's tail
	// (the active segment's end, wbuf, syncedEnd, syncedAt), and records
	// reach the journal and the indexer in the order they were submitted.
	jmu    sync.Mutex
	queued int
	wbuf   []byte
	// jops is the indexer's while groups of acks are in flight, the
	// writer's for a commit of its own (it waits for the indexer first).
	jops []jop
	// syncedEnd is the journal position up to which an fsync has made the
	// journal durable. The index records it, not the end, after a group
	// written without one (see commit).
	syncedEnd uint64
	syncedAt  time.Time // when syncedEnd last moved

	groups  atomic.Uint64
	grouped atomic.Uint64
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the store in opts.Dir, replaying the journal into
// the index and truncating a torn tail.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("leveldb store: no directory")
	}
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("leveldb store: %w", err)
	}
	if err := DetectForeign(opts.Dir); err != nil {
		return nil, err
	}
	s := &Store{
		opts:       opts,
		log:        opts.Logger,
		dir:        opts.Dir,
		segSize:    opts.SegmentSize,
		reqs:       make(chan *request, queueLen),
		writerDone: make(chan struct{}),
		indexq:     make(chan *ackGroup, queueLen),
		indexDone:  make(chan struct{}),
		quit:       make(chan struct{}),
		gcKick:     make(chan struct{}, 1),
		conts:      map[string]*contStat{},
		segStats:   map[uint64]*segStat{},
	}
	s.lazyCond = sync.NewCond(&s.lazyMu)
	lock, err := lockDir(filepath.Join(opts.Dir, lockFileName))
	if err != nil {
		return nil, fmt.Errorf("leveldb store %s: %w", opts.Dir, err)
	}
	s.lock = lock
	if err := s.open(); err != nil {
		s.closeFiles()
		if s.db != nil {
			s.db.Close()
		}
		unlockDir(s.lock)
		return nil, fmt.Errorf("leveldb store %s: %w", opts.Dir, err)
	}
	s.bg.Add(1)
	go s.gcLoop()
	go s.writer()
	go s.indexer()
	s.kick()
	return s, nil
}

func (s *Store) open() error {
	if err := s.listSegments(); err != nil {
		return err
	}
	rebuild, applied, err := s.openIndex()
	if err != nil {
		return err
	}
	if err := s.recover(rebuild, applied); err != nil {
		return err
	}
	if err := s.loadStats(); err != nil {
		if rebuild {
			return err
		}
		s.log.Warn("journal index inconsistent with the journal, rebuilding it", "dir", s.dir, "err", err)
		if err := s.recover(true, 0); err != nil {
			return err
		}
		if err := s.loadStats(); err != nil {
			return err
		}
	}
	return s.activate()
}

func segName(start uint64) string { return fmt.Sprintf("%s%016x%s", segPrefix, start, segSuffix) }

func (s *Store) listSegments() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) || e.IsDir() {
			continue
		}
		hex := strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix)
		if len(hex) != 16 {
			continue
		}
		start, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			continue
		}
		path := filepath.Join(s.dir, name)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("open journal %s: %w", path, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("stat journal %s: %w", path, err)
		}
		g := &segment{start: start, path: path, f: f}
		g.size.Store(st.Size())
		s.segs = append(s.segs, g)
	}
	sort.Slice(s.segs, func(i, j int) bool { return s.segs[i].start < s.segs[j].start })
	for i := 1; i < len(s.segs); i++ {
		prev := s.segs[i-1]
		if prev.end() <= s.segs[i].start {
			continue
		}
		// A segment ends where the next one starts; beyond that it may
		// only hold the zeros of its preallocation (a crash between the
		// roll to the next segment and the cut of that tail).
		want := int64(s.segs[i].start - prev.start)
		zero, err := zeroFrom(prev.f, want, prev.size.Load())
		if err != nil {
			return err
		}
		if !zero {
			return fmt.Errorf("journal %s (ending at %d) overlaps %s", prev.path, prev.end(), s.segs[i].path)
		}
		if err := prev.f.Truncate(want); err != nil {
			return fmt.Errorf("truncate journal %s: %w", prev.path, err)
		}
		prev.size.Store(want)
	}
	return nil
}

// zeroFrom reports whether f holds only zero bytes from off up to end: the
// preallocated part of a segment that was never written.
func zeroFrom(f *os.File, off, end int64) (bool, error) {
	// Preallocated space never written is a hole to SEEK_DATA: skip it
	// instead of reading megabytes of zeros at every start after a crash.
	if pos, ok := nextData(f, off); ok && pos > off {
		off = pos
	}
	buf := make([]byte, 256<<10)
	for off < end {
		n := int64(len(buf))
		if end-off < n {
			n = end - off
		}
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			return false, fmt.Errorf("read journal %s at %d: %w", f.Name(), off, err)
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		off += n
	}
	return true, nil
}

// openIndex opens the index, replacing it when it is missing, corrupt or of
// another version. It reports whether the journal must be replayed from the
// start and otherwise the position the index reflects.
func (s *Store) openIndex() (rebuild bool, applied uint64, err error) {
	path := filepath.Join(s.dir, indexDirName)
	_, statErr := os.Stat(path)
	missing := os.IsNotExist(statErr)
	db, err := leveldb.OpenFile(path, indexOptions())
	if err != nil {
		s.log.Warn("journal index unreadable, rebuilding it from the journal", "dir", path, "err", err)
		if err := s.wipeIndex(); err != nil {
			return false, 0, err
		}
		return true, 0, nil
	}
	s.db = db
	if missing {
		if len(s.segs) > 0 {
			s.log.Warn("journal index missing, rebuilding it from the journal", "dir", path)
		}
		return true, 0, nil
	}
	v, err := db.Get(keyVersion, nil)
	if err != nil || readUvarint(v) != indexVersion {
		s.log.Warn("journal index has no or another version, rebuilding it", "dir", path, "err", err)
		return true, 0, s.wipeIndex()
	}
	a, err := db.Get(keyApplied, nil)
	if err != nil {
		s.log.Warn("journal index has no applied position, rebuilding it", "dir", path, "err", err)
		return true, 0, s.wipeIndex()
	}
	applied = readUvarint(a)
	if len(s.segs) == 0 && applied > 0 {
		return false, 0, fmt.Errorf("the index reflects journal position %d but no journal segment (%s*%s) is left in %s; refusing to start with an empty store", applied, segPrefix, segSuffix, s.dir)
	}
	return false, applied, nil
}

// indexOptions: a bloom filter makes the existence checks of new messages
// cheap.
func indexOptions() *opt.Options {
	return &opt.Options{Filter: filter.NewBloomFilter(10)}
}

func (s *Store) wipeIndex() error {
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	path := filepath.Join(s.dir, indexDirName)
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("remove index %s: %w", path, err)
	}
	db, err := leveldb.OpenFile(path, indexOptions())
	if err != nil {
		return fmt.Errorf("create index %s: %w", path, err)
	}
	s.db = db
	return nil
}

// scanSegment reads the records of g from offset from, calling fn for each.
// It returns the offset after the last good record and whether it stopped
// at a short or corrupt record.
func scanSegment(g *segment, from int64, fn func(kind byte, payload []byte, pos uint64) error) (int64, bool, error) {
	size := g.size.Load()
	if from > size {
		return from, true, nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(g.f, from, size-from), 1<<20)
	off := from
	hdr := make([]byte, recHeaderSize)
	var buf []byte
	for off < size {
		if size-off < recHeaderSize {
			return off, true, nil
		}
		if _, err := io.ReadFull(r, hdr); err != nil {
			return off, false, fmt.Errorf("read journal %s at %d: %w", g.path, off, err)
		}
		n := int64(leUint32(hdr))
		if n > maxPayload || off+recHeaderSize+n > size {
			return off, true, nil
		}
		if cap(buf) < recHeaderSize+int(n) {
			buf = make([]byte, recHeaderSize+int(n))
		}
		buf = buf[:recHeaderSize+int(n)]
		copy(buf, hdr)
		if _, err := io.ReadFull(r, buf[recHeaderSize:]); err != nil {
			return off, false, fmt.Errorf("read journal %s at %d: %w", g.path, off, err)
		}
		kind, payload, _, ok := checkRecord(buf)
		if !ok {
			return off, true, nil
		}
		if fn != nil {
			if err := fn(kind, payload, g.start+uint64(off)); err != nil {
				return off, false, err
			}
		}
		off += recHeaderSize + n
	}
	return off, false, nil
}

func leUint32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// recover replays the journal into the index, from the start when rebuild
// is set and otherwise from applied, and truncates a torn tail.
func (s *Store) recover(rebuild bool, applied uint64) error {
	first, from := 0, int64(0)
	if !rebuild && len(s.segs) > 0 {
		i, off, ok := s.locate(applied)
		if !ok {
			s.log.Warn("journal index is ahead of or apart from the journal, rebuilding it", "dir", s.dir, "applied", applied)
			rebuild = true
		} else {
			first, from = i, off
		}
	}
	if rebuild {
		if err := s.wipeIndex(); err != nil {
			return err
		}
	}
	var lastSeq uint64
	if v, err := s.db.Get(keyLastSeq, nil); err == nil {
		lastSeq = readUvarint(v)
	}
	x := newTxn(s.db, s, lastSeq)
	pending := 0
	end := applied
	if rebuild {
		end = 0
		if len(s.segs) > 0 {
			end = s.segs[0].start
		}
	}
	defer func() { x.closeCursor() }() // the last txn's, whatever ends the replay
	flush := func() error {
		x.closeCursor()
		x.batch.Put(keyApplied, uvarintValue(end))
		x.batch.Put(keyLastSeq, uvarintValue(x.lastSeq))
		x.batch.Put(keyVersion, uvarintValue(indexVersion))
		if err := s.db.Write(&x.batch, nil); err != nil {
			return fmt.Errorf("write index: %w", err)
		}
		x = newTxn(s.db, s, x.lastSeq)
		pending = 0
		return nil
	}
	replayed := 0
	for i := first; i < len(s.segs); i++ {
		g := s.segs[i]
		off := int64(0)
		if i == first {
			off = from
		}
		good, corrupt, err := scanSegment(g, off, func(kind byte, payload []byte, pos uint64) error {
			ops, err := decodeOps(s.jops[:0], kind, payload, pos)
			if err != nil {
				return fmt.Errorf("journal %s at offset %d: %w", g.path, pos-g.start, err)
			}
			s.jops = ops
			for j := range ops {
				if err := x.apply(&ops[j]); err != nil {
					return fmt.Errorf("replay journal %s at offset %d: %w", g.path, pos-g.start, err)
				}
			}
			end = pos + recHeaderSize + uint64(len(payload))
			replayed++
			pending += len(payload)
			if pending >= replayBatchSize {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if corrupt && i == len(s.segs)-1 {
			// Where the active segment stops parsing, only the zeros of
			// its preallocation may follow: that is its end, not damage.
			zero, err := zeroFrom(g.f, good, g.size.Load())
			if err != nil {
				return err
			}
			if zero {
				g.size.Store(good)
				corrupt = false
			}
		}
		if corrupt {
			if i != len(s.segs)-1 {
				return fmt.Errorf("journal %s is corrupt at offset %d and newer segments follow it; this is not a torn write, refusing to drop data (move the segment aside to recover what precedes it)", g.path, good)
			}
			dropped := g.size.Load() - good
			if err := g.f.Truncate(good); err != nil {
				return fmt.Errorf("truncate journal %s: %w", g.path, err)
			}
			if err := g.f.Sync(); err != nil {
				return fmt.Errorf("sync journal %s: %w", g.path, err)
			}
			g.size.Store(good)
			s.log.Warn("journal tail torn or corrupt, truncated to the last good record",
				"file", g.path, "offset", good, "dropped_bytes", dropped)
		}
		end = max(end, g.end())
	}
	if err := flush(); err != nil {
		return err
	}
	if rebuild || replayed > 0 {
		s.log.Info("journal replayed into the index", "dir", s.dir, "records", replayed, "rebuilt", rebuild, "position", end)
	}
	return nil
}

// locate finds where replay starts for an index that reflects the journal
// up to applied, checking that applied falls on a record boundary.
func (s *Store) locate(applied uint64) (int, int64, bool) {
	for i, g := range s.segs {
		if applied < g.start {
			return 0, 0, false
		}
		if applied > g.end() {
			continue
		}
		if applied == g.end() && i+1 < len(s.segs) {
			if s.segs[i+1].start != applied {
				return 0, 0, false
			}
			continue
		}
		target := int64(applied - g.start)
		// Walk the framing up to applied: a marker that is not a record
		// boundary means the index cannot be trusted.
		boundary := target == 0
		_, _, err := scanSegment(g, 0, func(kind byte, payload []byte, pos uint64) error {
			next := int64(pos-g.start) + recHeaderSize + int64(len(payload))
			if next == target {
				boundary = true
			}
			if next >= target {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return 0, 0, false
		}
		return i, target, boundary
	}
	return 0, 0, false
}

var errStop = errors.New("stop")

// loadStats rebuilds the in-memory counters from the index.
func (s *Store) loadStats() error {
	s.conts = map[string]*contStat{}
	s.segStats = map[uint64]*segStat{}
	for _, g := range s.segs {
		s.segStats[g.start] = &segStat{refs: map[uint64]struct{}{}}
	}
	if v, err := s.db.Get(keyLastSeq, nil); err == nil {
		s.lastSeq.Store(readUvarint(v))
	}
	it := s.db.NewIterator(util.BytesPrefix([]byte{pfxCont}), nil)
	for it.Next() {
		d := decoder{b: it.Key()[1:]}
		name := d.str()
		if d.err != nil {
			it.Release()
			return fmt.Errorf("bad container key %q", it.Key())
		}
		s.conts[name] = &contStat{}
	}
	it.Release()
	it = s.db.NewIterator(util.BytesPrefix([]byte{pfxMsg}), nil)
	for it.Next() {
		d := decoder{b: it.Key()[1:]}
		name := d.str()
		v, err := decodeMsgVal(it.Value())
		if d.err != nil || err != nil {
			it.Release()
			return fmt.Errorf("bad message entry %q", it.Key())
		}
		g := s.findSeg(v.loc)
		if g == nil || v.loc+uint64(v.size) > g.end() {
			it.Release()
			return fmt.Errorf("message %s seq %d points at journal position %d, outside the journal", name, seqOfKey(it.Key()), v.loc)
		}
		c := s.conts[name]
		if c == nil {
			c = &contStat{}
			s.conts[name] = c
		}
		c.count++
		c.bytes += int64(v.dataLen)
		st := s.segStats[g.start]
		st.live++
		st.liveBytes += int64(v.size)
	}
	it.Release()
	it = s.db.NewIterator(util.BytesPrefix([]byte{pfxSub}), nil)
	for it.Next() {
		v, err := decodeSubVal(it.Value())
		if err != nil {
			it.Release()
			return fmt.Errorf("bad subscription entry %q", it.Key())
		}
		g := s.findSeg(v.loc)
		if g == nil {
			it.Release()
			return fmt.Errorf("subscription %s points at journal position %d, outside the journal", v.info.Key, v.loc)
		}
		st := s.segStats[g.start]
		st.live++
		st.liveBytes += int64(v.size)
	}
	it.Release()
	it = s.db.NewIterator(util.BytesPrefix([]byte{pfxRef}), nil)
	for it.Next() {
		k := it.Key()
		if len(k) != 17 {
			continue
		}
		a, b := beUint64(k[1:]), beUint64(k[9:])
		if st := s.segStats[a]; st != nil {
			if _, ok := s.segStats[b]; ok {
				st.refs[b] = struct{}{}
			}
		}
	}
	it.Release()
	return it.Error()
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

// activate makes the last segment the active one, creating the first
// segment of a new store.
func (s *Store) activate() error {
	if len(s.segs) == 0 {
		var start uint64
		if a, err := s.db.Get(keyApplied, nil); err == nil {
			start = readUvarint(a)
		}
		if err := s.createSegment(start, s.lastSeq.Load()); err != nil {
			return err
		}
	}
	g := s.segs[len(s.segs)-1]
	s.preallocate(g)
	if g.size.Load() == 0 {
		if err := s.writeHeader(g, s.lastSeq.Load()); err != nil {
			return err
		}
	}
	// What a killed process left in the page cache is on disk from here.
	if !s.opts.NoSync {
		if err := fdatasync(g.f); err != nil {
			return fmt.Errorf("sync journal %s: %w", g.path, err)
		}
	}
	s.syncedEnd = g.end()
	s.syncedAt = time.Now()
	s.pos.Store(g.end())
	s.floor = g.start
	return nil
}

func (s *Store) createSegment(start, lastSeq uint64) error {
	path := filepath.Join(s.dir, segName(start))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create journal %s: %w", path, err)
	}
	g := &segment{start: start, path: path, f: f}
	s.preallocate(g)
	if err := s.writeHeader(g, lastSeq); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.mu.Lock()
	s.segStats[start] = &segStat{refs: map[uint64]struct{}{}}
	s.mu.Unlock()
	s.segMu.Lock()
	s.segs = append(s.segs, g)
	s.segMu.Unlock()
	return nil
}

// preallocate reserves the active segment's full size on disk (see the
// function of that name); the segment's size stays the end of its records.
// Without fallocate, or with NoSync, appends simply grow the file.
func (s *Store) preallocate(g *segment) {
	if s.opts.NoSync {
		return
	}
	if err := preallocate(g.f, s.segSize); err != nil {
		// Only a speed-up: without it (a full disk, a file system that
		// refuses) the segment grows as it is written.
		s.log.Warn("journal segment not preallocated; appends will grow it", "file", g.path, "err", err)
	}
}

// cutTail drops the unused preallocated part of a segment that stops being
// the active one.
func cutTail(g *segment) error {
	if err := g.f.Truncate(g.size.Load()); err != nil {
		return fmt.Errorf("truncate journal %s: %w", g.path, err)
	}
	return nil
}

func (s *Store) writeHeader(g *segment, lastSeq uint64) error {
	rec := encodeHeaderRecord(lastSeq)
	if _, err := g.f.WriteAt(rec, 0); err != nil {
		return fmt.Errorf("write journal %s: %w", g.path, err)
	}
	if !s.opts.NoSync {
		if err := fdatasync(g.f); err != nil {
			return fmt.Errorf("sync journal %s: %w", g.path, err)
		}
	}
	g.size.Store(int64(len(rec)))
	return nil
}

// findSeg returns the segment holding position loc, or nil.
func (s *Store) findSeg(loc uint64) *segment {
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].start > loc }) - 1
	if i < 0 {
		return nil
	}
	g := s.segs[i]
	if loc >= g.end() && i != len(s.segs)-1 {
		return nil
	}
	return g
}

// segOf implements segmenter.
func (s *Store) segOf(loc uint64) uint64 {
	s.segMu.RLock()
	defer s.segMu.RUnlock()
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].start > loc }) - 1
	if i < 0 {
		return 0
	}
	return s.segs[i].start
}

// segExists implements segmenter.
func (s *Store) segExists(start uint64) bool {
	s.segMu.RLock()
	defer s.segMu.RUnlock()
	i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].start >= start })
	return i < len(s.segs) && s.segs[i].start == start
}

// Apply queues ops for the writer; done runs once they are durable.
// done runs on the writer goroutine, in journal order: it must not block,
// and must not wait for another Apply. Requests reach the journal in the
// order Apply and ApplyLazy were called (one queue feeds the writer): the
// broker relies on it to dispatch a message while its record is written,
// as the ack that may follow is journaled after it.
func (s *Store) Apply(ops []store.Op, done func(store.Position, error)) {
	s.apply(ops, done, false)
}

// ApplyLazy journals ops like Apply, but a group made only of lazy requests
// is written without an fsync; the next synced group makes it durable.
//
// A request of acks alone is journaled in the caller's goroutine when
// nothing is queued ahead of it (journalNow). The ops not yet indexed are
// bounded (maxLazyOps): a caller past the bound waits for the index, so a
// restart replays little.
func (s *Store) ApplyLazy(ops []store.Op, done func(store.Position, error)) {
	s.apply(ops, done, true)
}

// Lazy groups are synced anyway after lazySyncEvery or lazySyncBytes of
// unsynced journal, whichever comes first.
const (
	lazySyncEvery = 100 * time.Millisecond
	lazySyncBytes = 4 << 20
)

// maxLazyOps bounds the lazily applied ops not yet indexed: about 30-50 ms
// of the index's work.
const maxLazyOps = 8192

// acquireLazy waits until n more ops fit under maxLazyOps (a request larger
// than the bound counts as the bound). Callers are admitted in turn, so a
// large batch (a queue's acks when it is removed) is not overtaken forever
// by a stream of small ones.
func (s *Store) acquireLazy(n int) int {
	n = min(n, maxLazyOps)
	s.lazyMu.Lock()
	turn := s.lazyNext
	s.lazyNext++
	for s.lazyTurn != turn || s.lazyOps+n > maxLazyOps {
		s.lazyCond.Wait()
	}
	s.lazyTurn++
	s.lazyOps += n
	s.lazyMu.Unlock()
	s.lazyCond.Broadcast() // the next in turn may fit too
	return n
}

// chargeLazy counts n ops (at most the bound) against maxLazyOps without
// waiting: their acks are journaled at once, and waitLazy paces the caller
// after.
func (s *Store) chargeLazy(n int) int {
	n = min(n, maxLazyOps)
	s.lazyMu.Lock()
	s.lazyOps += n
	s.lazyMu.Unlock()
	return n
}

// waitLazy waits until the lazy ops are within maxLazyOps and no caller of
// acquireLazy is waiting for its turn (which would otherwise wait for good
// behind a stream of charged ones).
func (s *Store) waitLazy() {
	s.lazyMu.Lock()
	for s.lazyOps > maxLazyOps || s.lazyTurn != s.lazyNext {
		s.lazyCond.Wait()
	}
	s.lazyMu.Unlock()
}

func (s *Store) releaseLazy(n int) {
	if n == 0 {
		return
	}
	s.lazyMu.Lock()
	s.lazyOps -= n
	s.lazyMu.Unlock()
	s.lazyCond.Broadcast()
}

func (s *Store) apply(ops []store.Op, done func(store.Position, error), lazy bool) {
	if done == nil {
		done = func(store.Position, error) {}
	}
	rec, err := encodeApply(ops)
	if err != nil {
		done(0, err)
		return
	}
	r := &request{rec: rec, done: done, lazy: lazy, acksOnly: acksOnly(ops)}
	if lazy && r.acksOnly {
		switch s.journalNow(r, len(ops)) {
		case journaled:
			// Journaled first, then paced behind the index.
			s.waitLazy()
			return
		case closed:
			done(0, store.ErrClosed)
			return
		}
		// Queued for the writer first and paced after, likewise: the bound
		// paces callers, it never holds acks back from the journal.
		r.lazyOps = s.chargeLazy(len(ops))
		if !s.enqueue(r) {
			s.releaseLazy(r.lazyOps)
			done(0, store.ErrClosed)
			return
		}
		s.waitLazy()
		return
	}
	if lazy {
		r.lazyOps = s.acquireLazy(len(ops))
	}
	if !s.enqueue(r) {
		s.releaseLazy(r.lazyOps)
		done(0, store.ErrClosed)
	}
}

type journalNowResult int

const (
	notNow journalNowResult = iota
	journaled
	closed
)

// journalNow journals a lazy request of acks in the caller's goroutine when
// nothing is queued ahead of it. An ack reaches the journal within moments
// of being applied, instead of waiting behind the writer's and the index's
// work for a group: thousands of them when a consumer drains a backlog at
// full speed, each a message delivered again if the process is killed.
// (A sync that is due, or a new segment, is left to the writer: the caller
// is a connection's writer, which must not wait for the disk.)
func (s *Store) journalNow(r *request, ops int) journalNowResult {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return closed
	}
	s.jmu.Lock()
	defer s.jmu.Unlock()
	if s.queued > 0 || len(s.indexq) >= cap(s.indexq)/2 || s.syncDue() || s.rollsSegment(len(r.rec)) {
		return notNow
	}
	r.lazyOps = s.chargeLazy(ops)
	s.journalAcks([]*request{r})
	return journaled
}

// enqueue queues r for the writer.
func (s *Store) enqueue(r *request) bool {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return false
	}
	s.jmu.Lock()
	s.queued++
	s.jmu.Unlock()
	s.reqs <- r
	return true
}

// dequeued ends the writer's hold on the journal's tail for n requests
// (see Store.queued).
func (s *Store) dequeued(n int) {
	s.jmu.Lock()
	s.queued -= n
	s.jmu.Unlock()
}

// writer lays out and journals what Apply and ApplyLazy queue, in groups.
// A group holding only acks goes on to the indexer once it is in the
// journal; any other group is committed here, index and all, after the
// indexer has caught up.
func (s *Store) writer() {
	defer close(s.writerDone)
	defer func() {
		close(s.indexq)
		<-s.indexDone
	}()
	group := make([]*request, 0, 64)
	// expect is the most synced requests one of the last few synced groups
	// released: their callers (producers waiting for a receipt) are likely
	// to come back within a round trip, and one fsync for all of them beats
	// one for the first and another for the rest. So while fewer are
	// queued, the writer waits for them, at most about as long as an fsync
	// takes. (The maximum, not the last size: a group that missed one
	// producer must not teach the writer to stop waiting for it; groups of
	// lazy requests alone say nothing about producers.)
	var recent [8]int
	next, expect := 0, 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		r, ok := <-s.reqs
		if !ok {
			return
		}
		group = group[:0]
		size, synced := 0, 0
		add := func(r *request) {
			group = append(group, r)
			size += len(r.rec)
			if !r.lazy {
				synced++
			}
		}
		add(r)
		var deadline time.Time
	drain:
		for len(group) < maxGroupOps && size < maxGroupBytes {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				add(r)
				continue
			default:
			}
			if synced == 0 || synced >= expect || s.opts.NoSync {
				break
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(s.groupWait())
			}
			wait := time.Until(deadline)
			if wait <= 0 {
				break
			}
			timer.Reset(wait)
			select {
			case r, ok := <-s.reqs:
				timer.Stop()
				if !ok {
					break drain
				}
				add(r)
			case <-timer.C:
				break drain
			}
		}
		if groupOfAcks(group) {
			// The indexer owns the group from here.
			s.journalAcks(group)
			s.dequeued(len(group))
			group = make([]*request, 0, 64)
		} else {
			s.waitIndexer()
			s.commit(group) // hands the journal's tail back itself
			s.releaseGroup(group)
			clear(group)
		}
		if synced > 0 {
			recent[next] = synced
			next = (next + 1) % len(recent)
			expect = slices.Max(recent[:])
		}
	}
}

// releaseGroup gives back what a committed group held against maxLazyOps.
func (s *Store) releaseGroup(group []*request) {
	lazyOps := 0
	for _, r := range group {
		lazyOps += r.lazyOps
	}
	s.releaseLazy(lazyOps)
}

// ackGroup is a group of acks in the journal on its way to the index.
type ackGroup struct {
	reqs   []*request
	sync   bool     // journaled with an fsync
	synced uint64   // the journal position durable once it was written
	active *segment // the segment its last record went to
	rolled bool
	err    error // the journal write failed: the group fails as it is

	// Set on an item instead of the above: a barrier the indexer closes
	// once it has indexed every group before it, or a group the writer
	// commits itself, which the indexer waits for (closed) before it takes
	// up the acks journaled after it.
	barrier chan struct{}
	after   chan struct{}
}

// indexer indexes the groups of acks journaled by the writer or by their
// callers, in the order they were journaled, as many as are waiting in one
// index transaction. With the index work (most of a group's time) off the
// path into the journal, acks are in the journal within moments of being
// applied even while a consumer drains a backlog at full speed.
func (s *Store) indexer() {
	defer close(s.indexDone)
	var batch []*ackGroup
	for g := range s.indexq {
		batch = append(batch[:0], g)
	more:
		for len(batch) < maxGroupOps && !g.marker() {
			select {
			case g = <-s.indexq:
				if g == nil {
					break more
				}
				batch = append(batch, g)
			default:
				break more
			}
		}
		acks := batch
		if g.marker() {
			acks = batch[:len(batch)-1]
		}
		if len(acks) > 0 {
			s.indexAcks(acks)
		}
		switch {
		case g == nil:
		case g.barrier != nil:
			close(g.barrier)
		case g.after != nil:
			<-g.after
		}
		clear(batch)
	}
}

// marker reports whether g is a barrier or a commit of the writer's rather
// than a group of acks (nil, from a closed channel, is neither).
func (g *ackGroup) marker() bool { return g != nil && (g.barrier != nil || g.after != nil) }

// waitIndexer returns once the indexer has indexed every group handed to
// it: a group that adds messages or rewrites a segment reads the index and
// moves sequence numbers, so it is committed against an index that has
// every earlier record.
func (s *Store) waitIndexer() {
	b := make(chan struct{})
	s.indexq <- &ackGroup{barrier: b}
	<-b
}

// groupWait is how long the writer waits for the rest of a group: about one
// recent fsync, so waiting never costs more than the sync it may save.
func (s *Store) groupWait() time.Duration {
	d := time.Duration(s.syncAvg.Load())
	return min(max(d, 50*time.Microsecond), 2*time.Millisecond)
}

// groupWriter appends a group's records to the journal, moving to a new
// segment when the active one is full.
type groupWriter struct {
	s      *Store
	active *segment
	buf    []byte
	rolled bool
}

func (w *groupWriter) next() uint64 {
	return w.active.end() + uint64(len(w.buf))
}

// place appends rec and returns its position.
func (w *groupWriter) place(rec []byte, lastSeq uint64) (uint64, error) {
	if w.s.wouldRoll(w.active.size.Load()+int64(len(w.buf)), len(rec)) {
		if err := w.flush(true); err != nil {
			return 0, err
		}
		if err := cutTail(w.active); err != nil {
			return 0, err
		}
		if err := w.s.createSegment(w.active.end(), lastSeq); err != nil {
			return 0, err
		}
		w.s.segMu.RLock()
		w.active = w.s.segs[len(w.s.segs)-1]
		w.s.segMu.RUnlock()
		w.rolled = true
	}
	p := w.next()
	w.buf = append(w.buf, rec...)
	return p, nil
}

func (w *groupWriter) flush(sync bool) error {
	g := w.active
	if len(w.buf) > 0 {
		if _, err := g.f.WriteAt(w.buf, g.size.Load()); err != nil {
			return fmt.Errorf("write journal %s: %w", g.path, err)
		}
		g.size.Add(int64(len(w.buf)))
		w.buf = w.buf[:0]
	}
	if sync && !w.s.opts.NoSync {
		start := time.Now()
		if err := fdatasync(g.f); err != nil {
			return fmt.Errorf("sync journal %s: %w", g.path, err)
		}
		w.s.syncedEnd = g.end()
		w.s.syncedAt = time.Now()
		took := time.Since(start)
		// a moving average over about eight syncs, for groupWait
		avg := w.s.syncAvg.Load()
		w.s.syncAvg.Store(avg + (int64(took)-avg)/8)
		if f := w.s.syncObs.Load(); f != nil {
			(*f)(took)
		}
	}
	return nil
}

// SetSyncObserver registers a function told how long each journal fsync
// took (for the fsync latency histogram).
func (s *Store) SetSyncObserver(f func(time.Duration)) { s.syncObs.Store(&f) }

func (s *Store) activeSeg() *segment {
	s.segMu.RLock()
	defer s.segMu.RUnlock()
	return s.segs[len(s.segs)-1]
}

// commit journals and indexes a group that the index must see in the
// order of its records (see waitIndexer). It hands the journal's tail back
// (dequeued) as soon as the group is written, so that acks applied
// meanwhile reach the journal during the group's index work, not after;
// the indexer takes them up once the group is indexed.
func (s *Store) commit(group []*request) {
	if err := s.failure(); err != nil {
		s.dequeued(len(group))
		failAll(group, err)
		return
	}
	x := newTxn(s.db, s, s.lastSeq.Load())
	x.known = s.knownContainer
	w := s.newGroupWriter()
	s.mu.Lock()
	s.floor = w.active.start
	s.mu.Unlock()
	sync := s.needsSync(group)
	err := s.place(w, x, group)
	if err == nil {
		err = w.flush(sync)
	}
	s.keepBuffer(w)
	end := w.active.end()
	// After a group written without an fsync, the index reflects records
	// the disk may not hold yet. It names the synced position as the one
	// it reflects, so that if the machine crashes and the index reached
	// the disk before the journal, replay starts there instead of the
	// index being found ahead of the journal and rebuilt; the records
	// replayed twice are acks, which apply once.
	applied := end
	if !sync && !s.opts.NoSync {
		applied = s.syncedEnd
	}
	var indexed chan struct{}
	if err == nil {
		// Stored now, before the index work: a segment rolled by acks
		// journaled after the group names its sequence numbers in its
		// header. (Acks move none, so finish has nothing to store.)
		s.lastSeq.Store(x.lastSeq)
		indexed = make(chan struct{})
		s.indexq <- &ackGroup{after: indexed}
	} else {
		s.fail(err)
	}
	s.dequeued(len(group))
	if h := duringCommitIndex; h != nil {
		h()
	}
	s.finish(x, group, err, end, applied, w.active.start, w.rolled)
	if indexed != nil {
		close(indexed)
	}
}

// journalAcks writes a group of acks to the journal and hands it to the
// indexer; the writer calls it, or journalNow with s.jmu held. Acks change
// no sequence number, so their layout does not depend on the index, and a
// segment rolled among them gets the header it would get after they are
// indexed.
func (s *Store) journalAcks(group []*request) {
	g := &ackGroup{reqs: group}
	w := s.newGroupWriter()
	s.mu.Lock()
	s.unindexed = append(s.unindexed, w.active.start)
	s.mu.Unlock()
	if g.err = s.failure(); g.err != nil {
		s.indexq <- g
		return
	}
	g.sync = s.needsSync(group)
	for _, r := range group {
		pos, err := w.place(r.rec, s.lastSeq.Load())
		if err != nil {
			g.err = err
			break
		}
		r.end = pos + uint64(len(r.rec))
	}
	if g.err == nil {
		g.err = w.flush(g.sync)
	}
	s.keepBuffer(w)
	g.synced, g.active, g.rolled = s.syncedEnd, w.active, w.rolled
	if g.err != nil {
		// Refuse what is queued behind it at once, not once indexed.
		s.fail(g.err)
	} else if h := afterAckJournal; h != nil {
		h()
	}
	s.indexq <- g
}

// indexAcks indexes groups of acks that are in the journal, in one index
// transaction.
func (s *Store) indexAcks(groups []*ackGroup) {
	if h := beforeAckIndex; h != nil {
		h()
	}
	var reqs []*request
	var last *ackGroup
	rolled := false
	for _, g := range groups {
		err := g.err
		if err == nil {
			err = s.failure()
		}
		if err != nil {
			failAll(g.reqs, err)
			continue
		}
		reqs = append(reqs, g.reqs...)
		last = g
		rolled = rolled || g.rolled
	}
	if last != nil {
		x := newTxn(s.db, s, s.lastSeq.Load())
		x.known = s.knownContainer
		var err error
		for _, r := range reqs {
			if err = s.applyRecord(x, r.rec, r.end-uint64(len(r.rec))); err != nil {
				break
			}
		}
		// As in commit, and the last group's figures cover the earlier ones.
		end := reqs[len(reqs)-1].end
		applied := end
		if !last.sync && !s.opts.NoSync {
			applied = last.synced
		}
		s.finish(x, reqs, err, end, applied, last.active.start, rolled)
	}
	s.mu.Lock()
	s.unindexed = s.unindexed[len(groups):]
	s.mu.Unlock()
	for _, g := range groups {
		s.releaseGroup(g.reqs)
	}
}

// finish writes a group's index transaction, which reflects the journal up
// to applied, and completes the group's requests.
func (s *Store) finish(x *txn, group []*request, err error, end, applied, active uint64, rolled bool) {
	x.closeCursor()
	if err == nil {
		x.batch.Put(keyApplied, uvarintValue(applied))
		x.batch.Put(keyLastSeq, uvarintValue(x.lastSeq))
		if werr := s.db.Write(&x.batch, nil); werr != nil {
			err = fmt.Errorf("write index: %w", werr)
		}
	}
	if err != nil {
		s.fail(err)
		failAll(group, err)
		return
	}
	kick := s.publish(x, active) || rolled
	s.pos.Store(end)
	s.groups.Add(1)
	s.grouped.Add(uint64(len(group)))
	for _, r := range group {
		r.done(store.Position(r.end), nil)
	}
	if kick {
		s.kick()
	}
}

// failure is the error that stopped the store's writes, or nil.
func (s *Store) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// fail stops the store's writes for good after err.
func (s *Store) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.log.Error("journal write failed; the store refuses further writes", "dir", s.dir, "err", err)
		s.failed = err
	}
}

func failAll(group []*request, err error) {
	for _, r := range group {
		r.done(0, err)
	}
}

func (s *Store) newGroupWriter() *groupWriter {
	return &groupWriter{s: s, active: s.activeSeg(), buf: s.wbuf[:0]}
}

// keepBuffer keeps a group's journal buffer for the next, unless a large
// group grew it far beyond the usual.
func (s *Store) keepBuffer(w *groupWriter) {
	s.wbuf = w.buf[:0]
	if cap(s.wbuf) > 4*maxGroupBytes {
		s.wbuf = nil
	}
}

// needsSync reports whether the group's journal write is synced: when it
// holds a request that is not lazy, or when a long stream of lazy groups (a
// consumer draining a backlog) has gone unsynced for a while, so that the
// position the index names (syncedEnd) keeps up and a restart replays
// little.
func (s *Store) needsSync(group []*request) bool {
	for _, r := range group {
		if !r.lazy {
			return true
		}
	}
	return s.syncDue()
}

// syncDue reports whether lazy groups have gone unsynced long enough.
func (s *Store) syncDue() bool {
	if s.opts.NoSync {
		return false
	}
	return time.Since(s.syncedAt) > lazySyncEvery || s.journalEnd()-s.syncedEnd > lazySyncBytes
}

// rollsSegment reports whether a record of n bytes would move the journal
// to a new segment (which syncs the full one and creates the next).
func (s *Store) rollsSegment(n int) bool { return s.wouldRoll(s.activeSeg().size.Load(), n) }

// wouldRoll reports whether a record of n bytes after used bytes of a
// segment goes to a new one. A segment holding only its header is never
// left for a larger record: such a record gets a segment of its own, beyond
// the usual size.
func (s *Store) wouldRoll(used int64, n int) bool {
	return used+int64(n) > s.segSize && used > int64(maxHeaderLen)
}

// journalEnd is where the writer appends next.
func (s *Store) journalEnd() uint64 { return s.activeSeg().end() }

// place lays out every request of the group and applies it to the index
// transaction.
func (s *Store) place(w *groupWriter, x *txn, group []*request) error {
	for _, r := range group {
		if r.moves != nil || r.subMoves != nil {
			if err := s.placeMoves(w, x, r); err != nil {
				return err
			}
			r.end = w.next()
			continue
		}
		pos, err := w.place(r.rec, x.lastSeq)
		if err != nil {
			return err
		}
		if err := s.applyRecord(x, r.rec, pos); err != nil {
			return err
		}
		r.end = pos + uint64(len(r.rec))
	}
	return nil
}

// acksOnly reports whether every op is an ack.
func acksOnly(ops []store.Op) bool {
	for i := range ops {
		if ops[i].Kind != store.OpAck {
			return false
		}
	}
	return len(ops) > 0
}

// groupOfAcks reports whether every request of the group holds acks only
// (a compaction request holds none).
func groupOfAcks(group []*request) bool {
	for _, r := range group {
		if !r.acksOnly {
			return false
		}
	}
	return true
}

// afterAckJournal, when set (by tests), runs after a group of acks is in the
// journal and before the indexer has it: the moment a kill loses nothing.
var afterAckJournal func()

// beforeAckIndex, when set (by tests), runs as the indexer takes up a group
// of acks.
var beforeAckIndex func()

// duringCommitIndex, when set (by tests), runs once the writer has journaled
// a commit of its own and handed the journal's tail back, before the
// commit's index work.
var duringCommitIndex func()

func (s *Store) applyRecord(x *txn, rec []byte, pos uint64) error {
	kind, payload, _, ok := checkRecord(rec)
	if !ok {
		return errors.New("internal error: bad record encoding")
	}
	ops, err := decodeOps(s.jops[:0], kind, payload, pos)
	if err != nil {
		return err
	}
	s.jops = ops
	for i := range ops {
		if err := x.apply(&ops[i]); err != nil {
			return err
		}
	}
	clear(ops)
	return nil
}

// placeMoves rewrites the still-live records named by a compaction request.
func (s *Store) placeMoves(w *groupWriter, x *txn, r *request) error {
	for _, c := range r.moves {
		raw, ok, err := x.get(msgKey(c.container, c.seq))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		v, err := decodeMsgVal(raw)
		if err != nil {
			return err
		}
		if v.loc != c.loc {
			continue
		}
		b, start := beginRecord(make([]byte, 0, recHeaderSize+len(c.payload)+64), kindMove)
		b = appendMoveHead(b, v.owners)
		b = append(b, c.payload...)
		rec := finishRecord(b, start)
		pos, err := w.place(rec, x.lastSeq)
		if err != nil {
			return err
		}
		if err := s.applyRecord(x, rec, pos); err != nil {
			return err
		}
	}
	for _, c := range r.subMoves {
		raw, ok, err := x.get(subKey(c.key))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		v, err := decodeSubVal(raw)
		if err != nil {
			return err
		}
		if v.loc != c.loc {
			continue
		}
		b, start := beginRecord(nil, kindSub)
		rec := finishRecord(appendSub(b, &v.info), start)
		pos, err := w.place(rec, x.lastSeq)
		if err != nil {
			return err
		}
		if err := s.applyRecord(x, rec, pos); err != nil {
			return err
		}
	}
	return nil
}

// publish folds a committed transaction into the in-memory counters and
// reports whether a segment other than the active one changed.
func (s *Store) publish(x *txn, active uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.floor = active
	for name, d := range x.conts {
		c := s.conts[name]
		if c == nil {
			c = &contStat{}
			s.conts[name] = c
		}
		c.count += d.count
		c.bytes += d.bytes
	}
	changed := false
	for start, d := range x.live {
		st := s.segStats[start]
		if st == nil {
			continue
		}
		st.live += d.live
		st.liveBytes += d.bytes
		if start != active {
			changed = true
		}
	}
	for k := range x.refs {
		if st := s.segStats[k[0]]; st != nil {
			st.refs[k[1]] = struct{}{}
		}
	}
	return changed
}

func (s *Store) knownContainer(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conts[name] != nil
}

func (s *Store) kick() {
	select {
	case s.gcKick <- struct{}{}:
	default:
	}
}

// Load reads pending records in seq order, a chunk per index snapshot.
func (s *Store) Load(ctx context.Context, container, sub string, after uint64, limit int, fn func(store.Record) bool) error {
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return store.ErrClosed
	}
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := loadChunk
		if limit > 0 && limit-n < want {
			want = limit - n
		}
		recs, more, err := s.loadChunk(container, sub, after, want)
		if err != nil {
			return err
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
		if !more || (limit > 0 && n >= limit) {
			return nil
		}
	}
}

// loadChunk reads up to want records, or fewer once loadChunkBytes were
// read, under one index snapshot; more reports that it stopped early.
func (s *Store) loadChunk(container, sub string, after uint64, want int) (recs []store.Record, more bool, err error) {
	if after == ^uint64(0) {
		return nil, false, nil
	}
	s.segMu.RLock()
	defer s.segMu.RUnlock()
	snap, err := s.db.GetSnapshot()
	if err != nil {
		return nil, false, err
	}
	defer snap.Release()
	c := locChunk{want: want}
	if sub != "" {
		more, err = c.pending(snap, sub, container, after)
	} else {
		more, err = c.queued(snap, container, after)
	}
	if err != nil {
		return nil, false, err
	}
	recs, err = s.readRecords(c.locs)
	return recs, more, err
}

// locChunk collects where the records of one loadChunk lie: up to want of
// them, or fewer once loadChunkBytes are reached.
type locChunk struct {
	locs       []recLoc
	want, read int
}

func (c *locChunk) full() bool { return len(c.locs) >= c.want || c.read >= loadChunkBytes }

// add takes the record an index value names.
func (c *locChunk) add(raw []byte) error {
	v, err := decodeMsgVal(raw)
	if err != nil {
		return err
	}
	c.locs = append(c.locs, recLoc{v.loc, v.size})
	c.read += int(v.size)
	return nil
}

// queued collects a container's records after seq after, in seq order;
// more reports that it stopped early.
func (c *locChunk) queued(snap *leveldb.Snapshot, container string, after uint64) (more bool, err error) {
	prefix := msgPrefix(container)
	rng := util.BytesPrefix(prefix)
	rng.Start = binaryAppendSeq(prefix, after+1)
	it := snap.NewIterator(rng, nil)
	defer it.Release()
	for it.Next() {
		if c.full() {
			return true, nil
		}
		if err := c.add(it.Value()); err != nil {
			return false, fmt.Errorf("index entry %q: %w", it.Key(), err)
		}
	}
	return false, it.Error()
}

// pending collects the records pending for sub after seq after, in seq
// order: in topic, or with topic empty in whatever topic, merging one
// iterator per topic the subscription has messages in (several for a
// wildcard or composite one). more reports that it stopped early.
func (c *locChunk) pending(snap *leveldb.Snapshot, sub, topic string, after uint64) (more bool, err error) {
	type head struct {
		topic string
		it    iterator.Iterator
		ok    bool
		seq   uint64
	}
	var heads []*head
	defer func() {
		for _, h := range heads {
			h.it.Release()
		}
	}()
	next := func(h *head) {
		if h.ok = h.it.Next(); h.ok {
			h.seq = seqOfKey(h.it.Key())
		}
	}
	// open starts reading topic's pending keys; it returns the first key
	// past them.
	open := func(topic string) []byte {
		tp := pendingPrefix(sub, topic)
		rng := util.BytesPrefix(tp)
		beyond := rng.Limit
		rng.Start = binaryAppendSeq(tp, after+1)
		h := &head{topic: topic, it: snap.NewIterator(rng, nil)}
		heads = append(heads, h)
		next(h)
		return beyond
	}
	if topic != "" {
		open(topic)
	} else {
		prefix := pendingSubPrefix(sub, 0)
		probe := snap.NewIterator(util.BytesPrefix(prefix), nil)
		defer probe.Release()
		for ok := probe.First(); ok; {
			t, _, err := splitPending(probe.Key(), len(prefix))
			if err != nil {
				return false, fmt.Errorf("pending key %q: %w", probe.Key(), err)
			}
			beyond := open(t)
			if beyond == nil {
				break
			}
			ok = probe.Seek(beyond) // the next topic's first key
		}
		if err := probe.Error(); err != nil {
			return false, err
		}
	}
	for {
		var h *head
		for _, x := range heads {
			if x.ok && (h == nil || x.seq < h.seq) {
				h = x
			}
		}
		if h == nil {
			break
		}
		if c.full() {
			return true, nil
		}
		raw, err := snap.Get(msgKey(h.topic, h.seq), nil)
		switch {
		case err == nil:
			if err := c.add(raw); err != nil {
				return false, fmt.Errorf("index entry for %s seq %d: %w", h.topic, h.seq, err)
			}
		case err != leveldb.ErrNotFound:
			return false, err
		}
		next(h)
	}
	for _, h := range heads {
		if err := h.it.Error(); err != nil {
			return false, err
		}
	}
	return false, nil
}

// recLoc is where an ADD payload lies in the journal.
type recLoc struct {
	loc  uint64
	size uint32
}

// Records that lie close together in one segment (a queue's messages,
// written one after another) are read with one pread of the span holding
// them, up to readSpanBytes, as long as what lies between them (other
// queues' messages, acks) is at most readSpanWaste times what is wanted.
const (
	readSpanBytes = 256 << 10
	readSpanWaste = 2
)

// readRecords reads the ADD payloads at locs, in order; the caller holds
// segMu.
func (s *Store) readRecords(locs []recLoc) ([]store.Record, error) {
	recs := make([]store.Record, 0, len(locs))
	var span []byte
	for i := 0; i < len(locs); {
		first := locs[i]
		g := s.findSeg(first.loc)
		if g == nil {
			return nil, fmt.Errorf("journal position %d is in no segment", first.loc)
		}
		// The run locs[i:j] goes forward in g within one span.
		end, wanted := first.loc+uint64(first.size), uint64(first.size)
		j := i + 1
		for ; j < len(locs); j++ {
			l := locs[j]
			e := l.loc + uint64(l.size)
			if l.loc < end || e-first.loc > readSpanBytes || s.findSeg(l.loc) != g ||
				e-first.loc > (readSpanWaste+1)*(wanted+uint64(l.size)) {
				break
			}
			end, wanted = e, wanted+uint64(l.size)
		}
		n := int(end - first.loc)
		alone := j == i+1
		var buf []byte
		if alone {
			buf = make([]byte, n) // the record's own memory
		} else {
			if cap(span) < n {
				span = make([]byte, n)
			}
			buf = span[:n]
		}
		if _, err := g.f.ReadAt(buf, int64(first.loc-g.start)); err != nil {
			return nil, fmt.Errorf("read journal %s at %d: %w", g.path, first.loc-g.start, err)
		}
		for _, l := range locs[i:j] {
			off := l.loc - first.loc
			rec := buf[off : off+uint64(l.size)]
			if !alone {
				// Each record gets memory of its own: a message kept long
				// must not keep a whole span alive.
				rec = bytes.Clone(rec)
			}
			r, err := decodeAdd(rec)
			if err != nil {
				return nil, fmt.Errorf("journal %s at %d: %w", g.path, l.loc-g.start, err)
			}
			recs = append(recs, r)
		}
		i = j
	}
	return recs, nil
}

func binaryAppendSeq(prefix []byte, seq uint64) []byte {
	k := make([]byte, len(prefix), len(prefix)+8)
	copy(k, prefix)
	return append(k, byte(seq>>56), byte(seq>>48), byte(seq>>40), byte(seq>>32), byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq))
}

// Containers lists every container the store has held, with its counts.
func (s *Store) Containers(ctx context.Context) ([]store.ContainerStats, error) {
	s.mu.Lock()
	out := make([]store.ContainerStats, 0, len(s.conts))
	for name, c := range s.conts {
		out = append(out, store.ContainerStats{Container: name, Count: c.count, Bytes: c.bytes})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out, nil
}

// Subscriptions lists the durable subscriptions by key.
func (s *Store) Subscriptions(ctx context.Context) ([]store.SubInfo, error) {
	it := s.db.NewIterator(util.BytesPrefix([]byte{pfxSub}), nil)
	defer it.Release()
	var out []store.SubInfo
	for it.Next() {
		v, err := decodeSubVal(it.Value())
		if err != nil {
			return nil, fmt.Errorf("index entry %q: %w", it.Key(), err)
		}
		out = append(out, v.info)
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// LastSeq is the highest seq ever added.
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// Position is the journal byte offset after the last completed Apply.
func (s *Store) Position() store.Position { return store.Position(s.pos.Load()) }

// Close waits for queued Apply calls to complete, then closes the files.
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
	close(s.quit)
	s.bg.Wait()
	var errs []error
	// With NoSync, or after lazy writes, the tail may not be on disk yet;
	// the preallocated rest goes, so a clean restart has none to scan.
	errs = append(errs, cutTail(s.activeSeg()), fdatasync(s.activeSeg().f))
	if errors.Join(errs...) == nil {
		// The whole journal is durable: the index reflects all of it.
		errs = append(errs, s.db.Put(keyApplied, uvarintValue(s.pos.Load()), nil))
	}
	errs = append(errs, s.db.Put(keySynced, nil, &opt.WriteOptions{Sync: true}))
	errs = append(errs, s.db.Close())
	s.closeFiles()
	errs = append(errs, unlockDir(s.lock))
	return errors.Join(errs...)
}

func (s *Store) closeFiles() {
	s.segMu.Lock()
	defer s.segMu.Unlock()
	for _, g := range s.segs {
		g.f.Close()
	}
}

// groupStats reports committed groups and the requests they held.
func (s *Store) groupStats() (groups, requests uint64) {
	return s.groups.Load(), s.grouped.Load()
}
