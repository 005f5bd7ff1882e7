package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"amq/store"
	"amq/store/leveldb"
)

// The spill race again, on the LevelDB stores the binary uses.
func TestSpillConcurrentLevelDB(t *testing.T) {
	for _, w := range []int64{64 << 10, 8 << 20} {
		spillLevelDB(t, w)
	}
}

func spillLevelDB(t *testing.T, window int64) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	main, err := leveldb.Open(leveldb.Options{Dir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	tmp, err := leveldb.Open(leveldb.Options{Dir: t.TempDir(), NoSync: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = window; return p }
	b, _ := New(Config{PolicyFor: pol, Store: main, TempStore: tmp, Logger: quiet})
	b.Start(context.Background())
	defer b.Close()
	q := QueueDest("spillrace")
	const producers, per = 1, 60000
	cons, _ := b.NewClient("")
	s, _ := cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 1000}, true)
	for p := 0; p < producers; p++ {
		go func(p int) {
			c, _ := b.NewClient("")
			for i := 0; i < per; i++ {
				m := &Message{Dest: q, Body: []byte(fmt.Sprintf("%d-%06d-%s", p, i, make([]byte, 1000))), Priority: 4}
				c.Conn().Send(m, nil, nil)
			}
		}(p)
	}
	seen := map[string]bool{}
	for len(seen) < producers*per {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		d, err := s.Receive(ctx)
		cancel()
		if err != nil {
			st, _ := b.QueueStats(q)
			q := b.queue(q, false)
			q.mu.Lock()
			t.Logf("storeOnly=%d cursor=%d loading=%v npending=%d memory=%d reserved=%d", q.storeOnly, q.loadCursor, q.loading, q.npending, q.memory, len(q.reserved))
			q.mu.Unlock()
			n := 0
			var left []uint64
			tmp.Load(context.Background(), "queue://spillrace", "", 0, 0, func(r store.Record) bool { n++; left = append(left, r.Seq); return true })
			t.Logf("left in tmp: %v", left)
			t.Fatalf("stalled after %d messages: %v; stats %+v; tmp store holds %d", len(seen), err, st, n)
		}
		k := string(d.Msg.Body[:10])
		if seen[k] {
			t.Fatalf("duplicate %q", k)
		}
		seen[k] = true
	}
}

// Concurrent store and dispatch on the journal store, under paging: several
// producers pipeline persistent sends while consumers (auto-ack and client
// ack) take them. Every message arrives once, every send completes, and
// once the store is reopened nothing is left in it: no ack reached the
// journal ahead of its message.
func TestConcurrentDispatchLevelDB(t *testing.T) {
	for _, w := range []int64{32 << 10, 8 << 20} {
		concurrentDispatchLevelDB(t, w)
	}
}

func concurrentDispatchLevelDB(t *testing.T, window int64) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	st, err := leveldb.Open(leveldb.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = window; return p }
	b, _ := New(Config{PolicyFor: pol, Store: st, Logger: quiet, ConcurrentStoreAndDispatchQueues: true})
	b.Start(context.Background())
	q := QueueDest("csd")
	const producers, per = 4, 3000
	var completed sync.WaitGroup
	completed.Add(producers * per)
	for p := 0; p < producers; p++ {
		go func(p int) {
			c, _ := b.NewClient("")
			window := make(chan struct{}, 64) // sends in flight per producer
			for i := 0; i < per; i++ {
				window <- struct{}{}
				m := &Message{Dest: q, Body: []byte(fmt.Sprintf("%d-%06d-%s", p, i, make([]byte, 300))), Persistent: true, Priority: 4}
				if err := c.Conn().Send(m, nil, func(err error) {
					if err != nil {
						t.Error(err)
					}
					<-window
					completed.Done()
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	cons, _ := b.NewClient("")
	auto, _ := cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 50}, true)
	manual, _ := cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 50}, false)
	var mu sync.Mutex
	seen := map[string]bool{}
	all, gotAll := context.WithCancel(context.Background())
	defer gotAll()
	take := func(s *Subscription, ack bool) {
		for {
			ctx, cancel := context.WithTimeout(all, 5*time.Second)
			d, err := s.Receive(ctx)
			cancel()
			if all.Err() != nil {
				return
			}
			if err != nil {
				mu.Lock()
				t.Errorf("window %d: stalled after %d messages: %v", window, len(seen), err)
				mu.Unlock()
				gotAll()
				return
			}
			k := string(d.Msg.Body[:8])
			mu.Lock()
			if seen[k] {
				t.Errorf("window %d: duplicate %q", window, k)
			}
			seen[k] = true
			if len(seen) == producers*per {
				gotAll()
			}
			mu.Unlock()
			if ack {
				if err := s.Consumer().Ack(d.Msg.ID, AckIndividual, nil, nil); err != nil {
					t.Error(err)
				}
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); take(auto, false) }()
	go func() { defer wg.Done(); take(manual, true) }()
	wg.Wait()
	completed.Wait()
	b.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = leveldb.Open(leveldb.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	left := 0
	st.Load(context.Background(), "queue://csd", "", 0, 0, func(store.Record) bool { left++; return true })
	if left != 0 {
		t.Fatalf("window %d: %d consumed messages are still in the store after a restart", window, left)
	}
}
