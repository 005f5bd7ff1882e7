package leveldb

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/syndtr/goleveldb/leveldb/util"

	"amq/store"
)

// TestTxnGetThroughCursor reads an index through a txn in orders that open,
// walk, outrun and defeat its cursor -- runs of consecutive messages, gaps
// longer than the cursor walks, keys behind it, keys past the last one,
// keys the txn itself wrote -- and checks every answer against what the
// database and the txn's own writes hold.
func TestTxnGetThroughCursor(t *testing.T) {
	db, err := leveldb.Open(storage.NewMemStorage(), indexOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	present := map[string][]byte{}
	var b leveldb.Batch
	put := func(k []byte) {
		v := []byte(fmt.Sprintf("value of %x", k))
		b.Put(k, v)
		present[string(k)] = v
	}
	for seq := uint64(1); seq <= 400; seq++ {
		if seq%50 < 30 { // runs of 30, gaps of 20
			put(msgKey("q", seq))
		}
		if seq%7 == 0 {
			put(msgKey("other", seq))
		}
	}
	put(subKey("durable"))
	if err := db.Write(&b, nil); err != nil {
		t.Fatal(err)
	}
	// Half the keys reach the tables, the rest stay in the memtable, so
	// the cursor merges both.
	if err := db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	for seq := uint64(401); seq <= 450; seq++ {
		put(msgKey("q", seq))
	}
	if err := db.Write(&b, nil); err != nil {
		t.Fatal(err)
	}

	ascending := func(step uint64) []uint64 {
		var s []uint64
		for seq := uint64(0); seq <= 470; seq += step {
			s = append(s, seq)
		}
		return s
	}
	orders := map[string][]uint64{
		"consecutive":    ascending(1),
		"every third":    ascending(3),
		"past the gaps":  ascending(13),
		"descending":     {450, 449, 300, 299, 12, 11, 10, 1},
		"back and forth": {5, 6, 7, 3, 4, 8, 9, 100, 101, 60, 61, 62, 460, 461, 2},
	}
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]uint64, 300)
	for i := range random {
		random[i] = r.Uint64N(480)
	}
	orders["random"] = random
	for name, seqs := range orders {
		t.Run(name, func(t *testing.T) {
			x := newTxn(db, nil, 0)
			defer x.closeCursor()
			written := map[string][]byte{}
			for i, seq := range seqs {
				k := msgKey("q", seq)
				// Now and then the txn writes a key ahead of the reads.
				if i%17 == 5 {
					w := msgKey("q", seq+2)
					if i%2 == 0 {
						x.del(w)
						written[string(w)] = nil
					} else {
						v := []byte("written by the txn")
						x.put(w, v)
						written[string(w)] = v
					}
				}
				want, wantOK := present[string(k)]
				if v, ok := written[string(k)]; ok {
					want, wantOK = v, v != nil
				}
				got, ok, err := x.get(k)
				if err != nil {
					t.Fatal(err)
				}
				if ok != wantOK || !bytes.Equal(got, want) {
					t.Fatalf("get #%d, seq %d: %q %v, want %q %v", i, seq, got, ok, want, wantOK)
				}
				// A key of another container in between.
				if i%11 == 3 {
					k := msgKey("other", seq)
					want, wantOK := present[string(k)]
					if got, ok, err := x.get(k); err != nil || ok != wantOK || !bytes.Equal(got, want) {
						t.Fatalf("other container, seq %d: %q %v %v, want %q %v", seq, got, ok, err, want, wantOK)
					}
				}
			}
		})
	}
}

func TestShortlyAfter(t *testing.T) {
	for _, tc := range []struct {
		k, prev []byte
		want    bool
	}{
		{msgKey("q", 6), msgKey("q", 5), true},
		{msgKey("q", 5+4*cursorSteps), msgKey("q", 5), true},
		{msgKey("q", 6+4*cursorSteps), msgKey("q", 5), false},
		{msgKey("q", 5), msgKey("q", 5), false},
		{msgKey("q", 4), msgKey("q", 5), false},
		{msgKey("r", 6), msgKey("q", 5), false},
		{msgKey("qq", 6), msgKey("q", 5), false},
		{msgKey("q", 6), nil, false},
		{subKey("a"), subKey("b"), false},
		{[]byte("short"), []byte("shorr"), false},
	} {
		if got := shortlyAfter(tc.k, tc.prev); got != tc.want {
			t.Errorf("shortlyAfter(%x, %x) = %v", tc.k, tc.prev, got)
		}
	}
}

// TestRewriteForwardRun: the oldest segment holds a run of consecutive
// messages, the first of them acked, so the rewrite reads the index through
// its cursor: every live one is moved with its payload, none of the acked
// ones comes back, before and after a restart.
func TestRewriteForwardRun(t *testing.T) {
	dir := t.TempDir()
	const segSize = 32 << 10
	opts := Options{Dir: dir, SegmentSize: segSize}
	s := openT(t, opts)
	const q = "queue://run"
	payload := func(seq uint64) string { return fmt.Sprintf("%04d|%s", seq, strings.Repeat("r", 40)) }
	for seq := uint64(1); seq <= 60; seq++ {
		mustApply(t, s, addOp(q, seq, payload(seq)))
	}
	for seq := uint64(1); seq <= 40; seq++ {
		if seq%9 != 0 { // a few left live among the acked ones
			mustApply(t, s, ackOp(q, seq, ""))
		}
	}
	var want []uint64
	for seq := uint64(1); seq <= 60; seq++ {
		if seq > 40 || seq%9 == 0 {
			want = append(want, seq)
		}
	}
	// Traffic that is all acked fills the rest of the first segment, so the
	// live run is a small share of it and is rewritten forward.
	rewriteFirstAway(t, s, dir, 60, 400)
	check := func(s *Store) {
		t.Helper()
		var got []uint64
		if err := s.Load(context.Background(), q, "", 0, 0, func(r store.Record) bool {
			if string(r.Data) != payload(r.Seq) {
				t.Fatalf("message %d: payload %.20q", r.Seq, r.Data)
			}
			got = append(got, r.Seq)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("messages %v, want %v", got, want)
		}
	}
	check(s)
	s.Close()
	s = openT(t, opts)
	defer s.Close()
	check(s)
}

// TestLoadReadsSpans loads queues whose records share spans of the journal
// with other queues' records and acks, cross segment boundaries, exceed a
// span on their own, and lie out of order after a rewrite forward: every
// payload must come back whole, in sequence order.
func TestLoadReadsSpans(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, SegmentSize: 64 << 10}
	s := openT(t, opts)
	payload := func(c string, seq uint64) string {
		n := 10 + int(seq*37%700)
		switch seq % 97 {
		case 13:
			n = readSpanBytes + 5000 // larger than a span
		case 14:
			n = 0
		}
		return fmt.Sprintf("%s|%06d|%s", c, seq, strings.Repeat("x", n))
	}
	want := map[string][]uint64{}
	seq := uint64(0)
	for i := range 600 {
		seq++
		c := "queue://a"
		if i%3 == 2 {
			c = "queue://b" // every third record between a's
		}
		mustApply(t, s, addOp(c, seq, payload(c, seq)))
		if i%5 == 4 {
			mustApply(t, s, ackOp(c, seq, "")) // acked at once: a gap
		} else {
			want[c] = append(want[c], seq)
		}
	}
	check := func(s *Store) {
		t.Helper()
		for c, seqs := range want {
			var got []uint64
			if err := s.Load(context.Background(), c, "", 0, 0, func(r store.Record) bool {
				if string(r.Data) != payload(c, r.Seq) {
					t.Fatalf("%s message %d: payload %.30q (%d bytes)", c, r.Seq, r.Data, len(r.Data))
				}
				got = append(got, r.Seq)
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, seqs) {
				t.Fatalf("%s: %d messages %v..., want %d", c, len(got), got[:min(len(got), 10)], len(seqs))
			}
		}
	}
	check(s)
	// Ack most of the oldest segment's messages, fill on, and let the rewrite
	// move the rest forward, behind newer messages of the same queues.
	for c, seqs := range want {
		var keep []uint64
		for _, q := range seqs {
			if q < 60 && q%7 != 0 {
				mustApply(t, s, ackOp(c, q, ""))
				continue
			}
			keep = append(keep, q)
		}
		want[c] = keep
	}
	rewriteFirstAway(t, s, dir, seq, 300)
	check(s)
	s.Close()
	s = openT(t, opts)
	defer s.Close()
	check(s)
}

// rewriteFirstAway adds and acks n messages of 900 bytes from seq after on,
// so that the segments they fill are dead, then runs the garbage collector
// and checks that the first segment's live records were moved forward.
func rewriteFirstAway(t *testing.T, s *Store, dir string, after uint64, n int) {
	t.Helper()
	seq := after
	for range n {
		seq++
		mustApply(t, s, addOp("queue://busy", seq, strings.Repeat("p", 900)))
		mustApply(t, s, ackOp("queue://busy", seq, ""))
	}
	s.runGC(t)
	if files := segFiles(t, dir); segStart(t, files[0]) == 0 {
		t.Fatal("the first segment was not rewritten away")
	}
}
