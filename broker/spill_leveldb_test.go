package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
