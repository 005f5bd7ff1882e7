// Package storetest is the conformance suite every store.Store passes.
//
// A store's test calls Run with a function that opens an empty store and,
// for durable stores, one that closes a store and opens it again on the same
// data. The suite closes every store it is handed except one passed to
// reopen, which owns closing it.
//
// Record.Subs of a loaded record is not compared: stores may return the
// subscriptions the record was added with or none.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"amq/store"
)

// Run runs every conformance case as a subtest. reopen may be nil for stores
// without durable state; the restart cases are skipped then.
func Run(t *testing.T, open func(t *testing.T) store.Store, reopen func(t *testing.T, old store.Store) store.Store) {
	h := &harness{open: open, reopen: reopen}
	cases := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"AddLoadOrder", testAddLoadOrder},
		{"LoadAfterLimitStop", testLoadAfterLimitStop},
		{"QueueAck", testQueueAck},
		{"TopicSubs", testTopicSubs},
		{"Subscriptions", testSubscriptions},
		{"RemoveSubReleasesPending", testRemoveSubReleases},
		{"SubAcrossContainers", testSubAcrossContainers},
		{"BatchAtomic", testBatchAtomic},
		{"Containers", testContainers},
		{"LastSeq", testLastSeq},
		{"Position", testPosition},
		{"DoneOnce", testDoneOnce},
		{"ConcurrentWriters", testConcurrentWriters},
		{"UnknownAcks", testUnknownAcks},
		{"DuplicateAdd", testDuplicateAdd},
		{"Reopen", testReopen},
		{"ApplyAfterClose", testApplyAfterClose},
		{"LargeRecords", testLargeRecords},
		{"Priorities", testPriorities},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

type harness struct {
	open   func(t *testing.T) store.Store
	reopen func(t *testing.T, old store.Store) store.Store
}

// fresh opens a store that is closed when the test ends, unless it was
// handed to restart.
type handle struct {
	s store.Store
}

func (h *harness) fresh(t *testing.T) *handle {
	t.Helper()
	hd := &handle{s: h.open(t)}
	t.Cleanup(func() {
		if hd.s != nil {
			if err := hd.s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return hd
}

func (h *harness) restart(t *testing.T, hd *handle) {
	t.Helper()
	old := hd.s
	hd.s = nil
	hd.s = h.reopen(t, old)
	if hd.s == nil {
		t.Fatal("reopen returned nil")
	}
}

func apply(t *testing.T, s store.Store, ops ...store.Op) store.Position {
	t.Helper()
	p, err := store.ApplySync(s, ops)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p
}

func add(container string, seq uint64, data string, subs ...string) store.Op {
	return store.Op{Kind: store.OpAdd, Record: store.Record{
		Container: container, Seq: seq, Priority: 4, Data: []byte(data), Subs: subs,
	}}
}

func ack(container string, seq uint64, sub string) store.Op {
	return store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: container, Seq: seq, Sub: sub}}
}

func sub(clientID, name, topic string) store.SubInfo {
	return store.SubInfo{Key: clientID + ":" + name, ClientID: clientID, Name: name, Topic: topic}
}

func addSub(si store.SubInfo) store.Op { return store.Op{Kind: store.OpAddSub, Sub: si} }
func removeSub(key string) store.Op {
	return store.Op{Kind: store.OpRemoveSub, Sub: store.SubInfo{Key: key}}
}
func ctx() context.Context { return context.Background() }
func seqsOf(rs []store.Record) []uint64 {
	return mapRecs(rs, func(r store.Record) uint64 { return r.Seq })
}
func mapRecs[T any](rs []store.Record, f func(store.Record) T) []T {
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func load(t *testing.T, s store.Store, container, sub string) []store.Record {
	t.Helper()
	return loadFrom(t, s, container, sub, 0, 0)
}

func loadFrom(t *testing.T, s store.Store, container, sub string, after uint64, limit int) []store.Record {
	t.Helper()
	var out []store.Record
	err := s.Load(ctx(), container, sub, after, limit, func(r store.Record) bool {
		out = append(out, r)
		return true
	})
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", container, sub, err)
	}
	return out
}

func wantSeqs(t *testing.T, what string, got []store.Record, want ...uint64) {
	t.Helper()
	g := seqsOf(got)
	if len(g) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(g, want) {
		t.Fatalf("%s: seqs %v, want %v", what, g, want)
	}
}

func sameRecord(a, b store.Record) error {
	switch {
	case a.Container != b.Container:
		return fmt.Errorf("container %q != %q", a.Container, b.Container)
	case a.Seq != b.Seq:
		return fmt.Errorf("seq %d != %d", a.Seq, b.Seq)
	case a.Priority != b.Priority:
		return fmt.Errorf("seq %d: priority %d != %d", a.Seq, a.Priority, b.Priority)
	case a.Expiration != b.Expiration:
		return fmt.Errorf("seq %d: expiration %d != %d", a.Seq, a.Expiration, b.Expiration)
	case !bytes.Equal(a.Data, b.Data):
		return fmt.Errorf("seq %d: data differs (%d bytes vs %d)", a.Seq, len(a.Data), len(b.Data))
	}
	return nil
}

func containers(t *testing.T, s store.Store) map[string]store.ContainerStats {
	t.Helper()
	cs, err := s.Containers(ctx())
	if err != nil {
		t.Fatalf("Containers: %v", err)
	}
	m := map[string]store.ContainerStats{}
	for i, c := range cs {
		if i > 0 && cs[i-1].Container >= c.Container {
			t.Fatalf("Containers not sorted by name: %q before %q", cs[i-1].Container, c.Container)
		}
		m[c.Container] = c
	}
	return m
}

// wantStats checks the non-empty containers exactly; a container without
// messages may be listed with zero counts or left out.
func wantStats(t *testing.T, s store.Store, want map[string][2]int64) {
	t.Helper()
	got := containers(t, s)
	for name, c := range got {
		w, ok := want[name]
		if !ok {
			if c.Count != 0 || c.Bytes != 0 {
				t.Fatalf("container %q: count %d bytes %d, want it empty or absent", name, c.Count, c.Bytes)
			}
			continue
		}
		if c.Count != w[0] || c.Bytes != w[1] {
			t.Fatalf("container %q: count %d bytes %d, want %d %d", name, c.Count, c.Bytes, w[0], w[1])
		}
	}
	for name, w := range want {
		if w[0] == 0 && w[1] == 0 {
			continue
		}
		if _, ok := got[name]; !ok {
			t.Fatalf("container %q missing from Containers (want count %d)", name, w[0])
		}
	}
}

func subs(t *testing.T, s store.Store) []store.SubInfo {
	t.Helper()
	ss, err := s.Subscriptions(ctx())
	if err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Key < ss[j].Key })
	return ss
}

func testAddLoadOrder(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q = "queue://orders"
	seqs := []uint64{5, 1, 9, 3, 7, 2, 8, 4, 6, 10}
	var want []store.Record
	for i, seq := range seqs {
		op := add(q, seq, fmt.Sprintf("m-%d", seq))
		op.Record.Expiration = int64(i) * 1000
		want = append(want, op.Record)
		apply(t, s, op)
	}
	apply(t, s, add("queue://other", 11, "x"))
	sort.Slice(want, func(i, j int) bool { return want[i].Seq < want[j].Seq })
	got := load(t, s, q, "")
	if len(got) != len(want) {
		t.Fatalf("loaded %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if err := sameRecord(got[i], want[i]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	wantSeqs(t, "other container", load(t, s, "queue://other", ""), 11)
	wantSeqs(t, "unknown container", load(t, s, "queue://none", ""))
}

func testLoadAfterLimitStop(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q = "queue://page"
	var ops []store.Op
	for seq := uint64(1); seq <= 20; seq++ {
		ops = append(ops, add(q, seq*2, "d"))
	}
	apply(t, s, ops...)
	wantSeqs(t, "after 10 limit 3", loadFrom(t, s, q, "", 10, 3), 12, 14, 16)
	wantSeqs(t, "after 11 limit 2", loadFrom(t, s, q, "", 11, 2), 12, 14)
	wantSeqs(t, "after 36", loadFrom(t, s, q, "", 36, 0), 38, 40)
	wantSeqs(t, "after 40", loadFrom(t, s, q, "", 40, 0))
	wantSeqs(t, "limit -1", loadFrom(t, s, q, "", 34, -1), 36, 38, 40)
	if n := len(loadFrom(t, s, q, "", 0, 0)); n != 20 {
		t.Fatalf("unlimited load read %d records, want 20", n)
	}

	var seen []uint64
	err := s.Load(ctx(), q, "", 0, 0, func(r store.Record) bool {
		seen = append(seen, r.Seq)
		return len(seen) < 3
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []uint64{2, 4, 6}) {
		t.Fatalf("early stop saw %v, want [2 4 6]", seen)
	}

	c, cancel := context.WithCancel(ctx())
	cancel()
	calls := 0
	err = s.Load(c, q, "", 0, 0, func(store.Record) bool { calls++; return true })
	if err == nil && calls == 20 {
		t.Fatalf("Load with a cancelled context read everything and returned nil")
	}
}

func testQueueAck(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q = "queue://work"
	apply(t, s, add(q, 1, "a"), add(q, 2, "b"), add(q, 3, "c"))
	apply(t, s, ack(q, 2, ""))
	wantSeqs(t, "after ack 2", load(t, s, q, ""), 1, 3)
	apply(t, s, ack(q, 1, ""))
	apply(t, s, ack(q, 1, ""))
	wantSeqs(t, "after ack 1 twice", load(t, s, q, ""), 3)
	// An ack naming a subscription removes a queue message too: it has no owners.
	apply(t, s, ack(q, 3, "client:sub"))
	wantSeqs(t, "after ack 3", load(t, s, q, ""))
	wantStats(t, s, map[string][2]int64{q: {0, 0}})
	if got := s.LastSeq(); got != 3 {
		t.Fatalf("LastSeq after acks = %d, want 3", got)
	}
}

func testTopicSubs(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const tp = "topic://prices"
	a, b := sub("c1", "a", tp), sub("c2", "b", tp)
	apply(t, s, addSub(a), addSub(b))
	apply(t, s, add(tp, 1, "one", a.Key, b.Key), add(tp, 2, "two", a.Key, b.Key), add(tp, 3, "three", b.Key))
	wantSeqs(t, "a pending", load(t, s, tp, a.Key), 1, 2)
	wantSeqs(t, "b pending", load(t, s, tp, b.Key), 1, 2, 3)
	wantSeqs(t, "all", load(t, s, tp, ""), 1, 2, 3)
	wantSeqs(t, "b after 1 limit 1", loadFrom(t, s, tp, b.Key, 1, 1), 2)

	apply(t, s, ack(tp, 1, a.Key))
	wantSeqs(t, "a after its ack", load(t, s, tp, a.Key), 2)
	wantSeqs(t, "b keeps 1", load(t, s, tp, b.Key), 1, 2, 3)
	wantSeqs(t, "all keeps 1", load(t, s, tp, ""), 1, 2, 3)
	// A repeated ack by a sub that already acked leaves the others alone.
	apply(t, s, ack(tp, 1, a.Key))
	wantSeqs(t, "b keeps 1 after duplicate ack", load(t, s, tp, b.Key), 1, 2, 3)

	apply(t, s, ack(tp, 1, b.Key))
	wantSeqs(t, "1 gone after last ack", load(t, s, tp, ""), 2, 3)
	wantSeqs(t, "b", load(t, s, tp, b.Key), 2, 3)

	// An ack without a subscription removes a topic message for everyone.
	apply(t, s, ack(tp, 2, ""))
	wantSeqs(t, "a after plain ack", load(t, s, tp, a.Key))
	wantSeqs(t, "b after plain ack", load(t, s, tp, b.Key), 3)
	apply(t, s, ack(tp, 3, b.Key))
	wantSeqs(t, "all acked", load(t, s, tp, ""))
	wantStats(t, s, map[string][2]int64{tp: {0, 0}})
	wantSeqs(t, "unknown sub", load(t, s, tp, "nobody:x"))
}

func testSubscriptions(t *testing.T, h *harness) {
	s := h.fresh(t).s
	if got := subs(t, s); len(got) != 0 {
		t.Fatalf("fresh store has subscriptions %v", got)
	}
	a := store.SubInfo{Key: "c1:a", ClientID: "c1", Name: "a", Topic: "topic://t1", Selector: "colour = 'red' AND size > 3", NoLocal: true}
	b := store.SubInfo{Key: "c2:b", ClientID: "c2", Name: "b", Topic: "topic://t2", Selector: "région = 'é'"}
	c := sub("c3", "c", "topic://t1")
	apply(t, s, addSub(b), addSub(a))
	apply(t, s, addSub(c))
	if got, want := subs(t, s), []store.SubInfo{a, b, c}; !slices.Equal(got, want) {
		t.Fatalf("Subscriptions = %+v, want %+v", got, want)
	}
	a2 := a
	a2.Selector = "colour = 'blue'"
	a2.NoLocal = false
	apply(t, s, addSub(a2))
	if got, want := subs(t, s), []store.SubInfo{a2, b, c}; !slices.Equal(got, want) {
		t.Fatalf("after update Subscriptions = %+v, want %+v", got, want)
	}
	apply(t, s, removeSub(b.Key), removeSub("nobody:x"))
	if got, want := subs(t, s), []store.SubInfo{a2, c}; !slices.Equal(got, want) {
		t.Fatalf("after remove Subscriptions = %+v, want %+v", got, want)
	}
	apply(t, s, removeSub(a.Key), removeSub(c.Key))
	if got := subs(t, s); len(got) != 0 {
		t.Fatalf("after removing all: %+v", got)
	}
}

func testRemoveSubReleases(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const tp = "topic://news"
	a, b := sub("c1", "a", tp), sub("c2", "b", tp)
	apply(t, s, addSub(a), addSub(b))
	apply(t, s,
		add(tp, 1, "both", a.Key, b.Key),
		add(tp, 2, "a only", a.Key),
		add(tp, 3, "b only", b.Key),
		add(tp, 4, "both again", a.Key, b.Key))
	apply(t, s, ack(tp, 4, b.Key))
	apply(t, s, removeSub(a.Key))
	wantSeqs(t, "a has nothing pending", load(t, s, tp, a.Key))
	wantSeqs(t, "b keeps its own", load(t, s, tp, b.Key), 1, 3)
	wantSeqs(t, "records left", load(t, s, tp, ""), 1, 3)
	wantStats(t, s, map[string][2]int64{tp: {2, int64(len("both") + len("b only"))}})

	// A new subscription with the same key starts with nothing pending.
	apply(t, s, addSub(a))
	wantSeqs(t, "recreated a", load(t, s, tp, a.Key))
	apply(t, s, removeSub(b.Key))
	wantSeqs(t, "all released", load(t, s, tp, ""))
}

// testSubAcrossContainers: a wildcard subscription's messages lie in the
// topics they were sent to; loading with no container reads them all in
// seq order, naming each one's container, across a restart; removing the
// subscription releases them everywhere.
func testSubAcrossContainers(t *testing.T, h *harness) {
	hd := h.fresh(t)
	s := hd.s
	const sport, weather, other = "topic://news.sport", "topic://news.weather", "topic://other"
	w, x := sub("c1", "w", "topic://news.>"), sub("c2", "x", sport)
	apply(t, s, addSub(w), addSub(x))
	apply(t, s, add(sport, 1, "s1", w.Key, x.Key), add(weather, 2, "w2", w.Key))
	apply(t, s, add(other, 3, "o3"), add(sport, 4, "s4", w.Key), add(weather, 5, "w5", w.Key))
	check := func(what string, s store.Store) {
		t.Helper()
		got := load(t, s, "", w.Key)
		wantSeqs(t, what+": w everywhere", got, 1, 2, 4, 5)
		conts := mapRecs(got, func(r store.Record) string { return r.Container })
		if want := []string{sport, weather, sport, weather}; !slices.Equal(conts, want) {
			t.Fatalf("%s: containers %v, want %v", what, conts, want)
		}
		if string(got[1].Data) != "w2" {
			t.Fatalf("%s: data %q", what, got[1].Data)
		}
		wantSeqs(t, what+": w after 2 limit 1", loadFrom(t, s, "", w.Key, 2, 1), 4)
		wantSeqs(t, what+": w in one topic", load(t, s, weather, w.Key), 2, 5)
		wantSeqs(t, what+": x everywhere", load(t, s, "", x.Key), 1)
	}
	check("before the restart", s)
	if h.reopen != nil {
		h.restart(t, hd)
		s = hd.s
		check("after the restart", s)
	}

	apply(t, s, ack(weather, 2, w.Key))
	wantSeqs(t, "w after an ack", load(t, s, "", w.Key), 1, 4, 5)
	apply(t, s, removeSub(w.Key))
	wantSeqs(t, "w removed", load(t, s, "", w.Key))
	wantSeqs(t, "x keeps its own", load(t, s, "", x.Key), 1)
	wantSeqs(t, "sport left", load(t, s, sport, ""), 1)
	wantSeqs(t, "weather left", load(t, s, weather, ""))
	wantSeqs(t, "other untouched", load(t, s, other, ""), 3)
	wantStats(t, s, map[string][2]int64{sport: {1, 2}, weather: {0, 0}, other: {1, 2}})
}

func testBatchAtomic(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q, q2, tp = "queue://batch", "queue://batch2", "topic://batch"
	var first []store.Op
	for seq := uint64(1); seq <= 10; seq++ {
		first = append(first, add(q, seq, "old"))
	}
	apply(t, s, first...)
	oldSet := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	newSet := []uint64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}

	var ops []store.Op
	for seq := uint64(1); seq <= 10; seq++ {
		ops = append(ops, ack(q, seq, ""), add(q, seq+10, "new"))
	}
	si := sub("c", "s", tp)
	ops = append(ops, add(q2, 21, "other"), addSub(si), add(tp, 22, "topic", si.Key))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var got []uint64
			err := s.Load(ctx(), q, "", 0, 0, func(r store.Record) bool { got = append(got, r.Seq); return true })
			if err != nil {
				bad.Store(err.Error())
				return
			}
			if !slices.Equal(got, oldSet) && !slices.Equal(got, newSet) {
				bad.Store(fmt.Sprintf("reader saw a partial batch: %v", got))
				return
			}
		}
	}()
	time.Sleep(2 * time.Millisecond)
	apply(t, s, ops...)
	time.Sleep(2 * time.Millisecond)
	close(stop)
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	wantSeqs(t, "queue after batch", load(t, s, q, ""), newSet...)
	wantSeqs(t, "second queue", load(t, s, q2, ""), 21)
	wantSeqs(t, "topic for sub", load(t, s, tp, si.Key), 22)
	if got := subs(t, s); len(got) != 1 || got[0] != si {
		t.Fatalf("Subscriptions = %+v", got)
	}
	wantStats(t, s, map[string][2]int64{q: {10, 30}, q2: {1, 5}, tp: {1, 5}})
}

func testContainers(t *testing.T, h *harness) {
	s := h.fresh(t).s
	if got := containers(t, s); len(got) != 0 {
		for _, c := range got {
			if c.Count != 0 {
				t.Fatalf("fresh store lists %+v", c)
			}
		}
	}
	apply(t, s, add("queue://a", 1, "12345"), add("queue://a", 2, "123"), add("queue://b", 3, ""))
	apply(t, s, add("topic://c", 4, "1234567", "x:y"))
	wantStats(t, s, map[string][2]int64{"queue://a": {2, 8}, "queue://b": {1, 0}, "topic://c": {1, 7}})
	apply(t, s, ack("queue://a", 1, ""))
	wantStats(t, s, map[string][2]int64{"queue://a": {1, 3}, "queue://b": {1, 0}, "topic://c": {1, 7}})
	apply(t, s, ack("queue://a", 2, ""), ack("topic://c", 4, "x:y"))
	wantStats(t, s, map[string][2]int64{"queue://b": {1, 0}})
}

func testLastSeq(t *testing.T, h *harness) {
	s := h.fresh(t).s
	if got := s.LastSeq(); got != 0 {
		t.Fatalf("fresh LastSeq = %d", got)
	}
	apply(t, s, add("queue://a", 7, "x"))
	if got := s.LastSeq(); got != 7 {
		t.Fatalf("LastSeq = %d, want 7", got)
	}
	apply(t, s, add("queue://a", 3, "x"), add("queue://b", 12, "y"), add("queue://b", 9, "z"))
	if got := s.LastSeq(); got != 12 {
		t.Fatalf("LastSeq = %d, want 12", got)
	}
	apply(t, s, ack("queue://b", 12, ""), ack("queue://a", 99, ""))
	if got := s.LastSeq(); got != 12 {
		t.Fatalf("LastSeq after acks = %d, want 12", got)
	}
}

func testPosition(t *testing.T, h *harness) {
	s := h.fresh(t).s
	start := s.Position()
	prev := start
	for i := 0; i < 20; i++ {
		var op store.Op
		switch i % 4 {
		case 0, 1:
			op = add("queue://p", uint64(i+1), "data")
		case 2:
			op = ack("queue://p", uint64(i-1), "")
		default:
			op = addSub(sub("c", fmt.Sprint(i), "topic://p"))
		}
		p := apply(t, s, op)
		if p <= prev {
			t.Fatalf("Apply %d returned position %d, not above %d", i, p, prev)
		}
		if got := s.Position(); got < p {
			t.Fatalf("Position() = %d after Apply returned %d", got, p)
		}
		prev = p
	}

	// Concurrent applies get distinct positions.
	var mu sync.Mutex
	seen := map[store.Position]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				p, err := store.ApplySync(s, []store.Op{add("queue://pc", uint64(1000+g*100+i), "x")})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[p] || p <= prev {
					t.Errorf("position %d repeated or not above %d", p, prev)
				}
				seen[p] = true
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	var maxP store.Position
	for p := range seen {
		maxP = max(maxP, p)
	}
	if got := s.Position(); got < maxP {
		t.Fatalf("Position() = %d, below completed %d", got, maxP)
	}
}

func testDoneOnce(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const n = 200
	var calls [n]atomic.Int32
	var errs atomic.Int32
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		var ops []store.Op
		switch i % 3 {
		case 0:
			ops = []store.Op{add("queue://d", uint64(i+1), "x")}
		case 1:
			ops = []store.Op{ack("queue://d", uint64(i), ""), add("queue://d", uint64(i+1), "y")}
		default:
			ops = nil // an empty batch still completes
		}
		s.Apply(ops, func(p store.Position, err error) {
			if err != nil {
				errs.Add(1)
			}
			if calls[i].Add(1) == 1 {
				wg.Done()
			}
		})
	}
	wg.Wait()
	// A nil done is allowed.
	s.Apply([]store.Op{add("queue://d", 1000, "z")}, nil)
	apply(t, s, add("queue://d", 1001, "z"))
	time.Sleep(10 * time.Millisecond)
	for i := range calls {
		if c := calls[i].Load(); c != 1 {
			t.Fatalf("done of Apply %d called %d times", i, c)
		}
	}
	if e := errs.Load(); e != 0 {
		t.Fatalf("%d Apply calls failed", e)
	}
	wantSeqs(t, "nil-done apply is applied", loadFrom(t, s, "queue://d", "", 999, 0), 1000, 1001)
}

func testConcurrentWriters(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const writers, per = 16, 500
	conts := []string{"queue://c0", "queue://c1", "queue://c2", "topic://c3"}
	var next atomic.Uint64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < per; i++ {
				seq := next.Add(1)
				c := conts[r.Intn(len(conts))]
				op := add(c, seq, fmt.Sprintf("w%d-%d", w, i))
				if i%50 == 49 {
					// Mix in some asynchronous applies.
					done := make(chan error, 1)
					s.Apply([]store.Op{op}, func(_ store.Position, err error) { done <- err })
					if err := <-done; err != nil {
						t.Error(err)
						return
					}
					continue
				}
				if _, err := store.ApplySync(s, []store.Op{op}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := make(map[uint64]bool, writers*per)
	stats := containers(t, s)
	for _, c := range conts {
		recs := load(t, s, c, "")
		for i, r := range recs {
			if i > 0 && recs[i-1].Seq >= r.Seq {
				t.Fatalf("%s: seq %d after %d", c, r.Seq, recs[i-1].Seq)
			}
			if seen[r.Seq] {
				t.Fatalf("seq %d loaded twice", r.Seq)
			}
			seen[r.Seq] = true
			if r.Container != c {
				t.Fatalf("seq %d has container %q, loaded from %q", r.Seq, r.Container, c)
			}
		}
		if stats[c].Count != int64(len(recs)) {
			t.Fatalf("%s: Containers count %d, loaded %d", c, stats[c].Count, len(recs))
		}
	}
	if len(seen) != writers*per {
		t.Fatalf("loaded %d distinct records, want %d", len(seen), writers*per)
	}
	if got := s.LastSeq(); got != writers*per {
		t.Fatalf("LastSeq = %d, want %d", got, writers*per)
	}
}

func testUnknownAcks(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q, tp = "queue://k", "topic://k"
	si := sub("c", "s", tp)
	apply(t, s, addSub(si), add(q, 1, "a"), add(tp, 2, "b", si.Key))
	before := s.LastSeq()
	apply(t, s,
		ack(q, 99, ""),
		ack("queue://nowhere", 1, ""),
		ack(tp, 2, "other:sub"),
		ack(tp, 77, si.Key),
		ack(q, 2, ""), // seq 2 lives in another container
		removeSub("no:such"))
	wantSeqs(t, "queue", load(t, s, q, ""), 1)
	wantSeqs(t, "topic sub", load(t, s, tp, si.Key), 2)
	wantStats(t, s, map[string][2]int64{q: {1, 1}, tp: {1, 1}})
	if s.LastSeq() != before {
		t.Fatalf("LastSeq moved from %d to %d", before, s.LastSeq())
	}
}

func testDuplicateAdd(t *testing.T, h *harness) {
	s := h.fresh(t).s
	const q = "queue://dup"
	apply(t, s, add(q, 1, "first"))
	apply(t, s, add(q, 1, "second"))
	got := load(t, s, q, "")
	if len(got) != 1 || string(got[0].Data) != "first" {
		t.Fatalf("after duplicate add: %+v", got)
	}
	wantStats(t, s, map[string][2]int64{q: {1, 5}})
	apply(t, s, ack(q, 1, ""))
	wantSeqs(t, "after ack", load(t, s, q, ""))
	wantStats(t, s, map[string][2]int64{q: {0, 0}})
}

// snapshot captures everything a restart must keep.
type snapshot struct {
	recs    map[string][]store.Record // by container + "|" + sub
	subs    []store.SubInfo
	stats   map[string][2]int64
	lastSeq uint64
	pos     store.Position
}

func takeSnapshot(t *testing.T, s store.Store, views [][2]string) snapshot {
	t.Helper()
	sn := snapshot{recs: map[string][]store.Record{}, stats: map[string][2]int64{}}
	for _, v := range views {
		sn.recs[v[0]+"|"+v[1]] = load(t, s, v[0], v[1])
	}
	sn.subs = subs(t, s)
	for name, c := range containers(t, s) {
		if c.Count != 0 {
			sn.stats[name] = [2]int64{c.Count, c.Bytes}
		}
	}
	sn.lastSeq = s.LastSeq()
	sn.pos = s.Position()
	return sn
}

func compareSnapshots(t *testing.T, before, after snapshot) {
	t.Helper()
	for k, want := range before.recs {
		got := after.recs[k]
		if len(got) != len(want) {
			t.Fatalf("%s: %d records after restart, want %d (%v vs %v)", k, len(got), len(want), seqsOf(got), seqsOf(want))
		}
		for i := range want {
			if err := sameRecord(got[i], want[i]); err != nil {
				t.Fatalf("%s: record %d: %v", k, i, err)
			}
		}
	}
	if !slices.Equal(before.subs, after.subs) {
		t.Fatalf("subscriptions after restart %+v, want %+v", after.subs, before.subs)
	}
	if len(before.stats) != len(after.stats) {
		t.Fatalf("containers after restart %v, want %v", after.stats, before.stats)
	}
	for k, v := range before.stats {
		if after.stats[k] != v {
			t.Fatalf("container %s after restart %v, want %v", k, after.stats[k], v)
		}
	}
	if after.lastSeq != before.lastSeq {
		t.Fatalf("LastSeq after restart %d, want %d", after.lastSeq, before.lastSeq)
	}
	if after.pos < before.pos {
		t.Fatalf("Position went back from %d to %d", before.pos, after.pos)
	}
}

func testReopen(t *testing.T, h *harness) {
	if h.reopen == nil {
		t.Skip("store has no durable state")
	}
	hd := h.fresh(t)
	const q, tp = "queue://durable", "topic://durable"
	a, b, c := sub("c1", "a", tp), sub("c2", "b", tp), sub("c3", "c", tp)
	a.Selector = "x > 1"
	a.NoLocal = true
	s := hd.s
	apply(t, s, addSub(a), addSub(b), addSub(c))
	for seq := uint64(1); seq <= 30; seq++ {
		op := add(q, seq, fmt.Sprintf("queue-%d", seq))
		op.Record.Priority = uint8(seq % 10)
		op.Record.Expiration = int64(seq) * 1e12
		apply(t, s, op, add(tp, 100+seq, fmt.Sprintf("topic-%d", seq), a.Key, b.Key, c.Key))
	}
	var acks []store.Op
	for seq := uint64(1); seq <= 30; seq += 3 {
		acks = append(acks, ack(q, seq, ""), ack(tp, 100+seq, a.Key))
	}
	apply(t, s, acks...)
	apply(t, s, removeSub(c.Key), ack(tp, 130, b.Key), ack(tp, 130, a.Key), add(q, 500, "highest"))
	apply(t, s, ack(q, 500, "")) // the highest seq is gone, LastSeq must stay
	views := [][2]string{{q, ""}, {tp, ""}, {tp, a.Key}, {tp, b.Key}, {tp, c.Key}}
	before := takeSnapshot(t, s, views)
	if before.lastSeq != 500 {
		t.Fatalf("LastSeq before restart = %d", before.lastSeq)
	}

	h.restart(t, hd)
	after := takeSnapshot(t, hd.s, views)
	compareSnapshots(t, before, after)

	// The store keeps working after a restart, above the old position.
	p := apply(t, hd.s, add(q, 501, "after restart"), ack(q, 2, ""), ack(tp, 102, b.Key))
	if p <= before.pos {
		t.Fatalf("first Apply after restart at %d, not above %d", p, before.pos)
	}
	before = takeSnapshot(t, hd.s, views)
	h.restart(t, hd)
	compareSnapshots(t, before, takeSnapshot(t, hd.s, views))
	wantSeqs(t, "queue tail", loadFrom(t, hd.s, q, "", 29, 0), 30, 501)
}

func testApplyAfterClose(t *testing.T, h *harness) {
	hd := h.fresh(t)
	s := hd.s
	apply(t, s, add("queue://c", 1, "x"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	hd.s = nil
	done := make(chan error, 1)
	s.Apply([]store.Op{add("queue://c", 2, "y")}, func(_ store.Position, err error) { done <- err })
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Apply after Close: %v, want store.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Apply after Close never completed")
	}
	if _, err := store.ApplySync(s, nil); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("empty Apply after Close: %v", err)
	}
}

func testLargeRecords(t *testing.T, h *harness) {
	hd := h.fresh(t)
	const q = "queue://large"
	r := rand.New(rand.NewSource(1))
	var want []store.Record
	var ops []store.Op
	for i := 0; i < 4; i++ {
		size := 1 << 20
		if i == 2 {
			size = 10
		}
		data := make([]byte, size)
		r.Read(data)
		op := add(q, uint64(i+1), "")
		op.Record.Data = data
		want = append(want, op.Record)
		ops = append(ops, op)
	}
	apply(t, hd.s, ops[:2]...)
	apply(t, hd.s, ops[2:]...)
	check := func(s store.Store) {
		got := load(t, s, q, "")
		if len(got) != len(want) {
			t.Fatalf("loaded %d large records, want %d", len(got), len(want))
		}
		for i := range want {
			if err := sameRecord(got[i], want[i]); err != nil {
				t.Fatal(err)
			}
		}
		wantStats(t, s, map[string][2]int64{q: {4, 3<<20 + 10}})
	}
	check(hd.s)
	if h.reopen != nil {
		h.restart(t, hd)
		check(hd.s)
	}
}

func testPriorities(t *testing.T, h *harness) {
	hd := h.fresh(t)
	const q = "queue://prio"
	var want []store.Record
	var ops []store.Op
	for p := 0; p <= 9; p++ {
		op := add(q, uint64(p+1), fmt.Sprint(p))
		op.Record.Priority = uint8(9 - p)
		op.Record.Expiration = []int64{0, -1, 1 << 62, 1700000000000}[p%4]
		want = append(want, op.Record)
		ops = append(ops, op)
	}
	apply(t, hd.s, ops...)
	check := func(s store.Store) {
		got := load(t, s, q, "")
		if len(got) != len(want) {
			t.Fatalf("loaded %d, want %d", len(got), len(want))
		}
		for i := range want {
			if err := sameRecord(got[i], want[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	check(hd.s)
	if h.reopen != nil {
		h.restart(t, hd)
		check(hd.s)
	}
}
