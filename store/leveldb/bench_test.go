package leveldb

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"amq/store"
)

// BenchmarkApplyParallel measures synced 1 KB adds from 1 to 64 concurrent
// writers; every Apply waits for its fsync, so the throughput comes from
// group commit.
func BenchmarkApplyParallel(b *testing.B) {
	for _, writers := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openT(b, Options{Dir: b.TempDir()})
			defer s.Close()
			data := make([]byte, 1024)
			var next atomic.Uint64
			g0, r0 := s.groupStats()
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						seq := next.Add(1)
						if seq > uint64(b.N) {
							return
						}
						op := store.Op{Kind: store.OpAdd, Record: store.Record{Container: "queue://bench", Seq: seq, Priority: 4, Data: data}}
						if _, err := store.ApplySync(s, []store.Op{op}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			g1, r1 := s.groupStats()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			if g1 > g0 {
				b.ReportMetric(float64(r1-r0)/float64(g1-g0), "group")
			}
		})
	}
}

// BenchmarkFdatasync is the floor under BenchmarkApplyParallel/writers=1:
// one 1 KB append and fdatasync per op on the same file system.
func BenchmarkFdatasync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	data := make([]byte, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := fdatasync(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkLazyAcks measures how fast acks are journaled and applied to the
// index when nobody waits for them (the broker's auto-ack path): batches of
// 64 acks of messages stored before the timer starts.
func BenchmarkLazyAcks(b *testing.B) {
	s := openT(b, Options{Dir: b.TempDir()})
	defer s.Close()
	data := make([]byte, 1024)
	const batch = 64
	for seq := 1; seq <= b.N; {
		ops := make([]store.Op, 0, 512)
		for ; len(ops) < 512 && seq <= b.N; seq++ {
			ops = append(ops, store.Op{Kind: store.OpAdd, Record: store.Record{Container: "queue://bench", Seq: uint64(seq), Priority: 4, Data: data}})
		}
		if _, err := store.ApplySync(s, ops); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for seq := 1; seq <= b.N; {
		ops := make([]store.Op, 0, batch)
		for ; len(ops) < batch && seq <= b.N; seq++ {
			ops = append(ops, store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: "queue://bench", Seq: uint64(seq)}})
		}
		wg.Add(1)
		s.ApplyLazy(ops, func(_ store.Position, err error) {
			if err != nil {
				b.Error(err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "acks/s")
}
