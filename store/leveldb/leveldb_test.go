package leveldb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/syndtr/goleveldb/leveldb/util"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/store"
	"amq/store/storetest"
)

// logBuf collects log output for assertions.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openT(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	dirs := map[store.Store]string{}
	open := func(t *testing.T) store.Store {
		dir := t.TempDir()
		s := openT(t, Options{Dir: dir})
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	reopen := func(t *testing.T, old store.Store) store.Store {
		mu.Lock()
		dir := dirs[old]
		mu.Unlock()
		if err := old.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s := openT(t, Options{Dir: dir})
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	storetest.Run(t, open, reopen)
}

// Small segments exercise rolling and garbage collection under the suite.
func TestConformanceSmallSegments(t *testing.T) {
	var mu sync.Mutex
	dirs := map[store.Store]string{}
	opts := func(dir string) Options { return Options{Dir: dir, SegmentSize: 64 << 10} }
	open := func(t *testing.T) store.Store {
		dir := t.TempDir()
		s := openT(t, opts(dir))
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	reopen := func(t *testing.T, old store.Store) store.Store {
		mu.Lock()
		dir := dirs[old]
		mu.Unlock()
		old.Close()
		s := openT(t, opts(dir))
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	storetest.Run(t, open, reopen)
}

func mustApply(t testing.TB, s store.Store, ops ...store.Op) store.Position {
	t.Helper()
	p, err := store.ApplySync(s, ops)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p
}

func addOp(c string, seq uint64, data string, subs ...string) store.Op {
	return store.Op{Kind: store.OpAdd, Record: store.Record{Container: c, Seq: seq, Priority: 4, Data: []byte(data), Subs: subs}}
}

func ackOp(c string, seq uint64, sub string) store.Op {
	return store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: c, Seq: seq, Sub: sub}}
}

func seqs(t testing.TB, s store.Store, c, sub string) []uint64 {
	t.Helper()
	var out []uint64
	if err := s.Load(context.Background(), c, sub, 0, 0, func(r store.Record) bool {
		out = append(out, r.Seq)
		return true
	}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return out
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, segPrefix+"*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func lastSegment(t testing.TB, dir string) string {
	fs := segFiles(t, dir)
	if len(fs) == 0 {
		t.Fatal("no journal segment")
	}
	return fs[len(fs)-1]
}

// TestTornTail cuts the journal inside the last record and flips a byte of
// it: both recover to the record before, with a warning naming the file.
func TestTornTail(t *testing.T) {
	for _, damage := range []string{"truncate", "flip", "garbage"} {
		t.Run(damage, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, Options{Dir: dir})
			const q = "queue://torn"
			var positions []store.Position
			for i := uint64(1); i <= 10; i++ {
				positions = append(positions, mustApply(t, s, addOp(q, i, strings.Repeat("x", 100))))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// Keep the index from knowing about the last record so replay has to read it.
			path := lastSegment(t, dir)
			st, _ := os.Stat(path)
			size := st.Size()
			lastLen := int64(positions[9] - positions[8])
			switch damage {
			case "truncate":
				if err := os.Truncate(path, size-lastLen/2); err != nil {
					t.Fatal(err)
				}
			case "flip":
				f, _ := os.OpenFile(path, os.O_RDWR, 0)
				b := make([]byte, 1)
				f.ReadAt(b, size-20)
				b[0] ^= 0x40
				f.WriteAt(b, size-20)
				f.Close()
			case "garbage":
				f, _ := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
				f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, kindAdd, 'z', 'z'})
				f.Close()
			}
			// Remove the index too, in one variant, so a full rebuild meets the tail.
			os.RemoveAll(filepath.Join(dir, indexDirName))
			var logs logBuf
			s2 := openT(t, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer s2.Close()
			want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}
			if damage == "garbage" {
				want = append(want, 10)
			}
			if got := seqs(t, s2, q, ""); !slices.Equal(got, want) {
				t.Fatalf("after recovery: %v, want %v", got, want)
			}
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, filepath.Base(path)) ||
				!strings.Contains(out, "offset=") || !strings.Contains(out, "dropped_bytes=") {
				t.Fatalf("no warning naming file, offset and dropped bytes:\n%s", out)
			}
			wantPos := positions[8]
			if damage == "garbage" {
				wantPos = positions[9]
			}
			if s2.Position() != wantPos {
				t.Fatalf("Position after recovery %d, want %d", s2.Position(), wantPos)
			}
			// Writes continue right after the last good record.
			p := mustApply(t, s2, addOp(q, 11, "after"))
			if p <= wantPos {
				t.Fatalf("position %d after recovery not above %d", p, wantPos)
			}
			s2.Close()
			s3 := openT(t, Options{Dir: dir})
			defer s3.Close()
			if got := seqs(t, s3, q, ""); !slices.Equal(got, append(want, 11)) {
				t.Fatalf("after second reopen: %v", got)
			}
		})
	}
}

// TestTornTailWithIndex keeps the index: it is behind the journal by the
// damaged record only, and replay from its position truncates.
func TestTornTailWithIndex(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	const q = "queue://torn"
	for i := uint64(1); i <= 5; i++ {
		mustApply(t, s, addOp(q, i, "data"))
	}
	s.Close()
	// Append a half-written record after the index's applied position.
	path := lastSegment(t, dir)
	rec, _ := encodeApply([]store.Op{addOp(q, 6, "lost")})
	f, _ := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	f.Write(rec[:len(rec)-3])
	f.Close()
	s2 := openT(t, Options{Dir: dir})
	defer s2.Close()
	if got := seqs(t, s2, q, ""); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("got %v", got)
	}
	pos := s2.Position()
	s2.Close()
	st, _ := os.Stat(path)
	if uint64(st.Size())+segStart(t, path) != uint64(pos) {
		t.Fatalf("segment not truncated to the position: size %d position %d", st.Size(), pos)
	}
}

// copyDir copies the store's files as a crash would leave them: what the
// process wrote, with the active segment's preallocated tail of zeros.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPreallocatedTail: the active segment is preallocated; a store that
// was not closed leaves a zero tail behind, which is its end and no damage,
// also when a rolled segment kept its tail (a crash inside the roll).
func TestPreallocatedTail(t *testing.T) {
	dir := t.TempDir()
	const segSize = 64 << 10
	s := openT(t, Options{Dir: dir, SegmentSize: segSize})
	const q = "queue://pre"
	var want []uint64
	for i := uint64(1); i <= 150; i++ {
		mustApply(t, s, addOp(q, i, strings.Repeat("p", 1000)))
		want = append(want, i)
	}
	// Some acks, written lazily: a killed process keeps them.
	for i := uint64(1); i <= 5; i++ {
		ch := make(chan error, 1)
		s.ApplyLazy([]store.Op{ackOp(q, i, "")}, func(_ store.Position, err error) { ch <- err })
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	want = want[5:]
	files := segFiles(t, dir)
	if len(files) < 2 {
		t.Fatalf("expected the journal to roll: %v", files)
	}
	for _, f := range files[:len(files)-1] {
		st, _ := os.Stat(f)
		next := segStart(t, files[slices.Index(files, f)+1])
		if segStart(t, f)+uint64(st.Size()) != next {
			t.Fatalf("rolled segment %s keeps a tail: size %d, next starts at %d", f, st.Size(), next)
		}
	}
	active := files[len(files)-1]
	if st, _ := os.Stat(active); runtime.GOOS == "linux" && st.Size() < segSize {
		t.Logf("active segment not preallocated (%d bytes): file system without fallocate?", st.Size())
	}
	pos := s.Position()
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	s.Close()
	// A crash inside a roll: the segment before the active one still has
	// its zeros.
	f, err := os.OpenFile(filepath.Join(crashed, filepath.Base(files[len(files)-2])), os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4096))
	f.Close()

	var logs logBuf
	s2 := openT(t, Options{Dir: crashed, SegmentSize: segSize, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if got := seqs(t, s2, q, ""); !slices.Equal(got, want) {
		t.Fatalf("after the crash: %v, want %v", got, want)
	}
	if s2.Position() != pos {
		t.Fatalf("position %d after the crash, want %d", s2.Position(), pos)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("a preallocated tail was taken for damage:\n%s", logs.String())
	}
	mustApply(t, s2, addOp(q, 151, "after"))
	s2.Close()
	s3 := openT(t, Options{Dir: crashed, SegmentSize: segSize})
	defer s3.Close()
	if got := seqs(t, s3, q, ""); !slices.Equal(got, append(want, 151)) {
		t.Fatalf("after reopening: %v", got)
	}
}

func segStart(t testing.TB, path string) uint64 {
	var start uint64
	if _, err := fmt.Sscanf(filepath.Base(path), segPrefix+"%016x"+segSuffix, &start); err != nil {
		t.Fatal(err)
	}
	return start
}

type stateDump struct {
	recs    map[string][]store.Record
	subs    []store.SubInfo
	conts   []store.ContainerStats
	lastSeq uint64
	pos     store.Position
}

func dump(t testing.TB, s *Store, views [][2]string) stateDump {
	t.Helper()
	d := stateDump{recs: map[string][]store.Record{}}
	for _, v := range views {
		var rs []store.Record
		s.Load(context.Background(), v[0], v[1], 0, 0, func(r store.Record) bool { rs = append(rs, r); return true })
		d.recs[v[0]+"|"+v[1]] = rs
	}
	var err error
	if d.subs, err = s.Subscriptions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.conts, err = s.Containers(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.lastSeq, d.pos = s.LastSeq(), s.Position()
	return d
}

func sameDump(t testing.TB, a, b stateDump) {
	t.Helper()
	for k, ra := range a.recs {
		rb := b.recs[k]
		if len(ra) != len(rb) {
			t.Fatalf("%s: %d records vs %d", k, len(ra), len(rb))
		}
		for i := range ra {
			x, y := ra[i], rb[i]
			if x.Seq != y.Seq || x.Container != y.Container || !bytes.Equal(x.Data, y.Data) || x.Priority != y.Priority ||
				x.Expiration != y.Expiration || !slices.Equal(x.Subs, y.Subs) {
				t.Fatalf("%s: record %d differs: %+v vs %+v", k, i, x, y)
			}
		}
	}
	if !slices.Equal(a.subs, b.subs) {
		t.Fatalf("subs %+v vs %+v", a.subs, b.subs)
	}
	if !slices.Equal(a.conts, b.conts) {
		t.Fatalf("containers %+v vs %+v", a.conts, b.conts)
	}
	if a.lastSeq != b.lastSeq || a.pos != b.pos {
		t.Fatalf("lastSeq/pos %d/%d vs %d/%d", a.lastSeq, a.pos, b.lastSeq, b.pos)
	}
}

// populate writes a mixed history across several segments.
func populate(t testing.TB, s *Store) [][2]string {
	const q, tp = "queue://rb", "topic://rb"
	subA := store.SubInfo{Key: "c:a", ClientID: "c", Name: "a", Topic: tp, Selector: "x = 1"}
	subB := store.SubInfo{Key: "c:b", ClientID: "c", Name: "b", Topic: tp, NoLocal: true}
	subC := store.SubInfo{Key: "c:c", ClientID: "c", Name: "c", Topic: tp}
	mustApply(t, s, store.Op{Kind: store.OpAddSub, Sub: subA}, store.Op{Kind: store.OpAddSub, Sub: subB}, store.Op{Kind: store.OpAddSub, Sub: subC})
	seq := uint64(0)
	for i := 0; i < 300; i++ {
		seq++
		mustApply(t, s, addOp(q, seq, strings.Repeat("q", 200+i)))
		seq++
		mustApply(t, s, addOp(tp, seq, strings.Repeat("t", 300), subA.Key, subB.Key, subC.Key))
		if i%3 == 0 {
			mustApply(t, s, ackOp(q, seq-1, ""), ackOp(tp, seq, subA.Key))
		}
		if i%5 == 0 {
			mustApply(t, s, ackOp(tp, seq, subB.Key), ackOp(tp, seq, subC.Key))
		}
		if i == 150 {
			mustApply(t, s, store.Op{Kind: store.OpRemoveSub, Sub: store.SubInfo{Key: subC.Key}})
			subA.Selector = "x = 2"
			mustApply(t, s, store.Op{Kind: store.OpAddSub, Sub: subA})
		}
	}
	mustApply(t, s, addOp("queue://empty", seq+1, "gone"))
	mustApply(t, s, ackOp("queue://empty", seq+1, ""))
	return [][2]string{{q, ""}, {tp, ""}, {tp, subA.Key}, {tp, subB.Key}, {tp, subC.Key}, {"queue://empty", ""}}
}

// TestRebuildIndex deletes the index directory and expects identical state.
func TestRebuildIndex(t *testing.T) {
	for _, how := range []string{"delete", "corrupt"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, Options{Dir: dir, SegmentSize: 32 << 10})
			views := populate(t, s)
			s.runGC(t)
			before := dump(t, s, views)
			if n := len(segFiles(t, dir)); n < 3 {
				t.Fatalf("only %d segments; the test wants several", n)
			}
			s.Close()
			idx := filepath.Join(dir, indexDirName)
			switch how {
			case "delete":
				if err := os.RemoveAll(idx); err != nil {
					t.Fatal(err)
				}
			case "corrupt":
				// Overwrite every index file with garbage.
				fs, _ := os.ReadDir(idx)
				for _, f := range fs {
					if f.Name() == "LOCK" {
						continue
					}
					os.WriteFile(filepath.Join(idx, f.Name()), []byte("not an index"), 0o644)
				}
			}
			var logs logBuf
			s2 := openT(t, Options{Dir: dir, SegmentSize: 32 << 10, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer s2.Close()
			sameDump(t, before, dump(t, s2, views))
			if !strings.Contains(logs.String(), "rebuild") {
				t.Fatalf("no log line about the rebuild:\n%s", logs.String())
			}
		})
	}
}

// runGC runs garbage collection until nothing changes, waiting for
// segment rewrites to be committed.
func (s *Store) runGC(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prev := -1
	for time.Now().Before(deadline) {
		s.collect()
		for s.compacting.Load() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		s.collect()
		s.segMu.RLock()
		n := len(s.segs)
		s.segMu.RUnlock()
		if n == prev && !s.compacting.Load() {
			return
		}
		prev = n
	}
	t.Fatal("garbage collection did not settle")
}

// TestSegmentGC: fully acked segments go away; acks that refer to an older
// segment keep theirs until that one is gone.
func TestSegmentGC(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, SegmentSize: 16 << 10})
	defer s.Close()
	const q = "queue://gc"
	payload := strings.Repeat("p", 1000)
	for i := uint64(1); i <= 200; i++ {
		mustApply(t, s, addOp(q, i, payload))
	}
	n := len(segFiles(t, dir))
	if n < 10 {
		t.Fatalf("only %d segments", n)
	}
	for i := uint64(1); i <= 200; i++ {
		mustApply(t, s, ackOp(q, i, ""))
	}
	s.runGC(t)
	if got := len(segFiles(t, dir)); got > 2 {
		t.Fatalf("%d segments left after everything was acked: %v", got, segFiles(t, dir))
	}
	st := dump(t, s, [][2]string{{q, ""}})
	if len(st.recs[q+"|"]) != 0 {
		t.Fatal("records left")
	}
}

// TestRewriteForward: one old unacked message must not keep every later
// segment alive.
func TestRewriteForward(t *testing.T) {
	dir := t.TempDir()
	const segSize = 32 << 10
	s := openT(t, Options{Dir: dir, SegmentSize: segSize})
	const q, tp = "queue://pinned", "topic://pinned"
	si := store.SubInfo{Key: "c:s", ClientID: "c", Name: "s", Topic: tp}
	mustApply(t, s, store.Op{Kind: store.OpAddSub, Sub: si})
	mustApply(t, s, addOp(q, 1, "the old one"), addOp(tp, 2, "old topic", si.Key))
	payload := strings.Repeat("p", 900)
	seq := uint64(2)
	for i := 0; i < 2000; i++ {
		seq++
		mustApply(t, s, addOp("queue://busy", seq, payload))
		mustApply(t, s, ackOp("queue://busy", seq, ""))
	}
	journalBytes := uint64(s.Position())
	s.runGC(t)
	files := segFiles(t, dir)
	if len(files) > 3 {
		t.Fatalf("%d segments kept for %d bytes of journal with one live message: %v", len(files), journalBytes, files)
	}
	if segStart(t, files[0]) == 0 {
		t.Fatal("the first segment was not rewritten away")
	}
	check := func(s *Store) {
		if got := seqs(t, s, q, ""); !slices.Equal(got, []uint64{1}) {
			t.Fatalf("pinned queue message: %v", got)
		}
		if got := seqs(t, s, tp, si.Key); !slices.Equal(got, []uint64{2}) {
			t.Fatalf("pinned topic message: %v", got)
		}
		subs, _ := s.Subscriptions(context.Background())
		if len(subs) != 1 || subs[0] != si {
			t.Fatalf("subscription after rewrite: %+v", subs)
		}
		if s.LastSeq() != seq {
			t.Fatalf("LastSeq %d, want %d", s.LastSeq(), seq)
		}
	}
	check(s)
	s.Close()
	s = openT(t, Options{Dir: dir, SegmentSize: segSize})
	check(s)
	s.Close()
	// The rewritten records alone rebuild the same state.
	os.RemoveAll(filepath.Join(dir, indexDirName))
	s = openT(t, Options{Dir: dir, SegmentSize: segSize})
	defer s.Close()
	check(s)
	mustApply(t, s, ackOp(q, 1, ""), ackOp(tp, 2, si.Key))
	if got := seqs(t, s, q, ""); len(got) != 0 {
		t.Fatalf("ack after rewrite left %v", got)
	}
}

// TestGCRebuildNoResurrection: a segment holding only acks of messages in
// an older, still live segment is kept, while self-contained dead segments
// after it are deleted; a rebuild from what is left brings nothing back.
func TestGCRebuildNoResurrection(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 8 << 10}
	s := openT(t, opts)
	s.noCompact.Store(true) // only deletion is under test
	const q = "queue://res"
	payload := strings.Repeat("r", 500)
	// The first segment: messages 1..12; 1..3 stay live, above the rewrite threshold.
	for i := uint64(1); i <= 12; i++ {
		mustApply(t, s, addOp(q, i, payload))
	}
	// Fill up the first segment with records that die at once.
	for i := uint64(13); uint64(s.Position()) < 8<<10; i++ {
		mustApply(t, s, addOp("queue://filler", i, "f"), ackOp("queue://filler", i, ""))
	}
	var acks []store.Op
	for i := uint64(4); i <= 12; i++ {
		acks = append(acks, ackOp(q, i, ""))
	}
	ackPos := uint64(mustApply(t, s, acks...)) - 1
	// Later segments: messages added and acked within the same segment.
	for i := uint64(100); i < 160; i++ {
		mustApply(t, s, addOp("queue://other", i, payload))
		mustApply(t, s, ackOp("queue://other", i, ""))
	}
	mustApply(t, s, addOp(q, 1000, "last"))
	s.runGC(t)
	files := segFiles(t, dir)
	if segStart(t, files[0]) != 0 {
		t.Fatalf("the first segment (3 live messages) was deleted: %v", files)
	}
	var ackSeg uint64
	for _, f := range files {
		if st := segStart(t, f); st <= ackPos {
			ackSeg = st
		}
	}
	s.segMu.RLock()
	holder := s.findSeg(ackPos)
	s.segMu.RUnlock()
	if holder == nil || holder.start != ackSeg || ackSeg == 0 {
		t.Fatalf("the segment holding the acks of 4..12 (position %d) is gone: %v", ackPos, files)
	}
	gaps := 0
	for i := 1; i < len(files); i++ {
		st, _ := os.Stat(files[i-1])
		if segStart(t, files[i-1])+uint64(st.Size()) != segStart(t, files[i]) {
			gaps++
		}
	}
	if gaps == 0 || len(files) > 4 {
		t.Fatalf("dead segments after the ack segment were kept: %v", files)
	}
	want := seqs(t, s, q, "")
	if !slices.Equal(want, []uint64{1, 2, 3, 1000}) {
		t.Fatalf("live messages %v", want)
	}
	s.Close()
	os.RemoveAll(filepath.Join(dir, indexDirName))
	s = openT(t, opts)
	defer s.Close()
	if got := seqs(t, s, q, ""); !slices.Equal(got, want) {
		t.Fatalf("after rebuild %v, want %v", got, want)
	}
	if got := seqs(t, s, "queue://other", ""); len(got) != 0 {
		t.Fatalf("acked messages came back: %v", got)
	}
}

func TestDetectForeign(t *testing.T) {
	cases := map[string][]string{
		"kahadb":     {"db.data", "db.redo", "db-1.log", "lock"},
		"kahadb-log": {"db-12.log"},
		"leveldb":    {"0000000000000000.log", "00000000000a1b2c.index/"},
		"dirty":      {"dirty.index/"},
		"mkahadb":    {"queue#3a#2f#2fA/db.data", "queue#3a#2f#2fA/db-1.log"},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range files {
				p := filepath.Join(dir, f)
				if strings.HasSuffix(f, "/") {
					os.MkdirAll(p, 0o755)
					continue
				}
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("activemq"), 0o644)
			}
			err := DetectForeign(dir)
			if !errors.Is(err, ErrForeign) {
				t.Fatalf("DetectForeign = %v", err)
			}
			for _, want := range []string{"written by ActiveMQ", "left untouched", "amq migrate --from stomp://old-host:61613"} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("message lacks %q: %v", want, err)
				}
			}
			_, err = Open(Options{Dir: dir, Logger: quietLogger()})
			if !errors.Is(err, ErrForeign) {
				t.Fatalf("Open = %v", err)
			}
			// Nothing was added or changed.
			var after []string
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if p != dir {
					rel, _ := filepath.Rel(dir, p)
					if d.IsDir() {
						rel += "/"
					}
					after = append(after, rel)
				}
				return nil
			})
			for _, a := range after {
				if !slices.ContainsFunc(files, func(f string) bool { return f == a || strings.HasPrefix(f, a) }) {
					t.Fatalf("Open created %s in a foreign directory", a)
				}
			}
			t.Log(err)
		})
	}
	// Our own directory is not foreign.
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	mustApply(t, s, addOp("queue://x", 1, "x"))
	s.Close()
	if err := DetectForeign(dir); err != nil {
		t.Fatalf("own directory: %v", err)
	}
	if err := DetectForeign(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("missing directory: %v", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	defer s.Close()
	if _, err := Open(Options{Dir: dir, Logger: quietLogger()}); err == nil {
		t.Fatal("a second Open of the same directory succeeded")
	}
}

// TestMissingJournal refuses to start when the index knows a journal that
// is gone, rather than coming up empty.
func TestMissingJournal(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	mustApply(t, s, addOp("queue://x", 1, "x"))
	s.Close()
	for _, f := range segFiles(t, dir) {
		os.Remove(f)
	}
	if _, err := Open(Options{Dir: dir, Logger: quietLogger()}); err == nil {
		t.Fatal("Open with the journal gone succeeded")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	ops := []store.Op{
		addOp("queue://a", 1<<40, "data", "s1", "s2"),
		ackOp("topic://b", 7, "s1"),
		{Kind: store.OpAddSub, Sub: store.SubInfo{Key: "k", ClientID: "c", Name: "n", Topic: "topic://b", Selector: "a > 1", NoLocal: true}},
		{Kind: store.OpRemoveSub, Sub: store.SubInfo{Key: "k"}},
	}
	ops[0].Record.Expiration = -5
	ops[0].Record.Priority = 9
	for n := 1; n <= len(ops); n++ {
		rec, err := encodeApply(ops[:n])
		if err != nil {
			t.Fatal(err)
		}
		kind, payload, ln, ok := checkRecord(rec)
		if !ok || ln != len(rec) {
			t.Fatalf("checkRecord failed for %d ops", n)
		}
		got, err := decodeOps(nil, kind, payload, 1000)
		if err != nil || len(got) != n {
			t.Fatalf("decode %d ops: %v %d", n, err, len(got))
		}
		r := got[0].rec
		if r.Container != "queue://a" || r.Seq != 1<<40 || string(r.Data) != "data" || r.Expiration != -5 || r.Priority != 9 || !slices.Equal(r.Subs, []string{"s1", "s2"}) {
			t.Fatalf("add decoded as %+v", r)
		}
		// The location points at the ADD payload.
		p := rec[got[0].loc-1000 : got[0].loc-1000+uint64(got[0].size)]
		if r2, err := decodeAdd(p); err != nil || r2.Seq != r.Seq || string(r2.Data) != "data" {
			t.Fatalf("payload at loc decodes as %+v, %v", r2, err)
		}
		if n >= 4 && (got[1].ack.Sub != "s1" || got[2].sub.Selector != "a > 1" || !got[2].sub.NoLocal || got[3].sub.Key != "k") {
			t.Fatalf("decoded %+v", got)
		}
	}
}

// TestPinnedChain: the oldest segment is half live, and every later segment
// acks a message of the one before it, so each is dead but pinned by its
// predecessor. Rewriting the oldest one unpins the whole chain.
func TestPinnedChain(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 16 << 10}
	s := openT(t, opts)
	const keep, chain = "queue://keep", "queue://chain"
	payload := strings.Repeat("k", 400)
	var seq uint64
	for i := 0; i < 20; i++ {
		seq++
		mustApply(t, s, addOp(keep, seq, payload))
	}
	prev := uint64(0)
	for uint64(s.Position()) < 40*16<<10 {
		seq++
		mustApply(t, s, addOp(chain, seq, payload))
		if prev != 0 {
			mustApply(t, s, ackOp(chain, prev, ""))
		}
		prev = seq
	}
	s.runGC(t)
	files := segFiles(t, dir)
	if len(files) > 4 {
		t.Fatalf("%d segments kept: %v", len(files), files)
	}
	views := [][2]string{{keep, ""}, {chain, ""}}
	before := dump(t, s, views)
	if n := len(before.recs[keep+"|"]); n != 20 {
		t.Fatalf("%d kept messages, want 20", n)
	}
	s.Close()
	os.RemoveAll(filepath.Join(dir, indexDirName))
	s = openT(t, opts)
	defer s.Close()
	sameDump(t, before, dump(t, s, views))
}

func TestNoSync(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir, NoSync: true, SegmentSize: 4 << 10})
	for i := uint64(1); i <= 100; i++ {
		mustApply(t, s, addOp("queue://nosync", i, strings.Repeat("n", 100)))
	}
	s.Close()
	s = openT(t, Options{Dir: dir, NoSync: true})
	defer s.Close()
	if got := seqs(t, s, "queue://nosync", ""); len(got) != 100 {
		t.Fatalf("%d records after reopen", len(got))
	}
}

// TestLazyTailLostInMachineCrash: acks written without an fsync may be lost
// by a machine crash while the index, written after them, reached the disk.
// The index names the synced position, so reopening replays from there: no
// "index ahead of the journal" rebuild, nothing unacked lost.
func TestLazyTailLostInMachineCrash(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	const q = "queue://lazy"
	for i := uint64(1); i <= 20; i++ {
		mustApply(t, s, addOp(q, i, "m"))
	}
	synced := s.syncedEnd
	for i := uint64(1); i <= 5; i++ {
		ch := make(chan error, 1)
		s.ApplyLazy([]store.Op{ackOp(q, i, "")}, func(_ store.Position, err error) { ch <- err })
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if uint64(s.Position()) <= synced {
		t.Fatalf("lazy acks did not move the journal: position %d, synced %d", s.Position(), synced)
	}
	if err := s.db.CompactRange(util.Range{}); err != nil { // put the index on disk
		t.Fatal(err)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	s.Close()
	// The crash: the journal's unsynced tail never reached the disk.
	seg := filepath.Join(crashed, filepath.Base(lastSegment(t, dir)))
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := segStart(t, seg)
	f.WriteAt(make([]byte, uint64(s.Position())-synced), int64(synced-start))
	f.Close()

	var logs logBuf
	s2 := openT(t, Options{Dir: crashed, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer s2.Close()
	if strings.Contains(logs.String(), "rebuilding") || strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("reopening after a lost lazy tail warned:\n%s", logs.String())
	}
	got := seqs(t, s2, q, "")
	if len(got) < 15 || got[len(got)-1] != 20 {
		t.Fatalf("messages after the crash: %v (6..20 at least, acked ones may stay acked)", got)
	}
	mustApply(t, s2, addOp(q, 21, "after"))
	if got := seqs(t, s2, q, ""); got[len(got)-1] != 21 {
		t.Fatalf("write after the crash: %v", got)
	}
}

// TestLazyBoundAdmitsLargeBatch: a batch of acks larger than the bound on
// lazy ops gets its turn while a stream of small ones keeps coming.
func TestLazyBoundAdmitsLargeBatch(t *testing.T) {
	s := openT(t, Options{Dir: t.TempDir()})
	defer s.Close()
	const q = "queue://big"
	var ops []store.Op
	for i := uint64(1); i <= 3*maxLazyOps; i++ {
		ops = append(ops, addOp(q, i, "x"))
	}
	mustApply(t, s, ops...)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// acks of messages that do not exist: the writer still works on them
				small := make([]store.Op, 500)
				for i := range small {
					small[i] = ackOp("queue://other", uint64(i+1), "")
				}
				ch := make(chan struct{})
				s.ApplyLazy(small, func(store.Position, error) { close(ch) })
				<-ch
			}
		}()
	}
	big := make([]store.Op, 0, 2*maxLazyOps)
	for i := uint64(1); i <= 2*maxLazyOps; i++ {
		big = append(big, ackOp(q, i, ""))
	}
	done := make(chan error, 1)
	s.ApplyLazy(big, func(_ store.Position, err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a large lazy batch was never admitted")
	}
	close(stop)
	wg.Wait()
	if got := seqs(t, s, q, ""); len(got) != maxLazyOps {
		t.Fatalf("%d messages left, want %d", len(got), maxLazyOps)
	}
}

// TestUnsubAfterSubSegmentDeleted: a subscription removal replayed after
// the segment holding the subscription's own record was deleted still
// releases the messages added for it, which must not come back when the
// index is rebuilt from the journal.
func TestUnsubAfterSubSegmentDeleted(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 8 << 10}
	s := openT(t, opts)
	s.noCompact.Store(true)
	const tp = "topic://x"
	si := store.SubInfo{Key: "c:s", ClientID: "c", Name: "s", Topic: tp}
	mustApply(t, s, store.Op{Kind: store.OpAddSub, Sub: si})
	seq := uint64(0)
	fill := func() {
		for range 12 {
			seq++
			mustApply(t, s, addOp("queue://busy", seq, strings.Repeat("p", 900)))
			mustApply(t, s, ackOp("queue://busy", seq, ""))
		}
	}
	fill()
	seq++
	mustApply(t, s, addOp(tp, seq, "topic msg", si.Key), addOp("queue://pin", seq+1, "pin"))
	m := seq
	seq++
	fill()
	mustApply(t, s, store.Op{Kind: store.OpRemoveSub, Sub: store.SubInfo{Key: si.Key}})
	fill()
	s.runGC(t)
	if got := seqs(t, s, tp, ""); len(got) != 0 {
		t.Fatalf("before rebuild: %v", got)
	}
	s.Close()
	os.RemoveAll(filepath.Join(dir, indexDirName))
	s = openT(t, opts)
	defer s.Close()
	if got := seqs(t, s, tp, ""); len(got) != 0 {
		t.Fatalf("after rebuild topic message %d resurrected: %v (segments %v)", m, got, segFiles(t, dir))
	}
}

// TestAcksJournaledBeforeIndex: a group of lazy acks is in the journal
// before the index work starts, so a process killed while the index takes
// it loses none of the acks: the files as they are at that moment (what a
// kill -9 leaves) open with every acked message gone, also when the acks
// span a segment roll.
func TestAcksJournaledBeforeIndex(t *testing.T) {
	dir := t.TempDir()
	const segSize = 64 << 10
	s := openT(t, Options{Dir: dir, SegmentSize: segSize})
	const q = "queue://acks"
	// Messages until the second segment is nearly full, so that the acks
	// roll it.
	n := uint64(0)
	for len(segFiles(t, dir)) < 2 || s.activeSeg().size.Load() < segSize-2000 {
		n++
		mustApply(t, s, addOp(q, n, strings.Repeat("m", 100)))
	}
	killed := t.TempDir()
	var once sync.Once
	afterAckJournal = func() { once.Do(func() { copyDir(t, dir, killed) }) }
	defer func() { afterAckJournal = nil }()
	ops := make([]store.Op, 0, n-10)
	for i := uint64(1); i <= n-10; i++ {
		ops = append(ops, ackOp(q, i, ""))
	}
	active := s.activeSeg().start
	ch := make(chan error, 1)
	s.ApplyLazy(ops, func(_ store.Position, err error) { ch <- err })
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	if s.activeSeg().start == active {
		t.Fatal("the acks did not roll a segment; make them larger than what is left of it")
	}
	s.Close()
	s2 := openT(t, Options{Dir: killed, SegmentSize: 64 << 10})
	defer s2.Close()
	got := seqs(t, s2, q, "")
	if len(got) != 10 || got[0] != n-9 {
		t.Fatalf("after a kill while the acks were indexed, %d messages left (%v...), want the 10 never acked", len(got), got[:min(len(got), 5)])
	}
}

// While the indexer works on one group of acks, the acks queued behind it
// reach the journal: a kill then hands back neither group's messages.
func TestAcksJournaledWhileIndexing(t *testing.T) {
	const q = "queue://acks"
	const n = 30
	dir, s := openWithMessages(t, q, n)
	journaled := make(chan struct{}, 2)
	release := make(chan struct{})
	afterAckJournal = func() { journaled <- struct{}{} }
	beforeAckIndex = func() { <-release }
	defer func() { afterAckJournal, beforeAckIndex = nil, nil }()
	done := make(chan error, 2)
	apply := func(from, to uint64) {
		var ops []store.Op
		for i := from; i <= to; i++ {
			ops = append(ops, ackOp(q, i, ""))
		}
		s.ApplyLazy(ops, func(_ store.Position, err error) { done <- err })
	}
	wait := func(what string) {
		select {
		case <-journaled:
		case <-time.After(5 * time.Second):
			close(release)
			t.Fatalf("%s not journaled while the indexer held the first group", what)
		}
	}
	apply(1, 10)
	wait("the first group")
	apply(11, 20)
	wait("the second group")
	killed := t.TempDir()
	copyDir(t, dir, killed)
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s2 := openT(t, Options{Dir: killed})
	defer s2.Close()
	if got := seqs(t, s2, q, ""); len(got) != n-20 || got[0] != 21 {
		t.Fatalf("after a kill with two groups of acks journaled and not indexed, %d messages left (%v...), want the %d never acked", len(got), got[:min(len(got), 5)], n-20)
	}
}

// While the writer indexes a commit of its own (messages added), acks
// applied meanwhile reach the journal: a kill then keeps both the new
// message and the acks.
func TestAcksJournaledDuringCommit(t *testing.T) {
	const q = "queue://acks"
	const n = 20
	dir, s := openWithMessages(t, q, n)
	inCommit := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	duringCommitIndex = func() {
		once.Do(func() {
			close(inCommit)
			<-release
		})
	}
	journaled := make(chan struct{}, 1)
	afterAckJournal = func() { journaled <- struct{}{} }
	defer func() { duringCommitIndex, afterAckJournal = nil, nil }()
	added := make(chan error, 1)
	s.Apply([]store.Op{addOp(q, n+1, "late")}, func(_ store.Position, err error) { added <- err })
	<-inCommit
	acked := make(chan error, 1)
	var ops []store.Op
	for i := uint64(1); i <= 10; i++ {
		ops = append(ops, ackOp(q, i, ""))
	}
	s.ApplyLazy(ops, func(_ store.Position, err error) { acked <- err })
	select {
	case <-journaled:
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("acks not journaled while the writer indexed its own commit")
	}
	killed := t.TempDir()
	copyDir(t, dir, killed)
	close(release)
	for _, ch := range []chan error{added, acked} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s2 := openT(t, Options{Dir: killed})
	defer s2.Close()
	got := seqs(t, s2, q, "")
	if len(got) != n+1-10 || got[0] != 11 || got[len(got)-1] != n+1 {
		t.Fatalf("after a kill during the writer's index work: %v, want 11..%d", got, n+1)
	}
}

// openWithMessages opens a store in a new directory holding messages 1..n
// of queue q.
func openWithMessages(t *testing.T, q string, n uint64) (string, *Store) {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, Options{Dir: dir})
	for i := uint64(1); i <= n; i++ {
		mustApply(t, s, addOp(q, i, "m"))
	}
	return dir, s
}
