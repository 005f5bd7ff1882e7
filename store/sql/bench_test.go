package sql

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"amq/store"
)

// BenchmarkApplyParallel measures committed 1 KB adds from 1 to 64
// concurrent writers on SQLite, and on PostgreSQL or MySQL when their test
// DSNs are set.
func BenchmarkApplyParallel(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchApply(b, sqliteTarget()) })
	b.Run("postgres", func(b *testing.B) { benchApply(b, postgresTarget(b)) })
	b.Run("mysql", func(b *testing.B) { benchApply(b, mysqlTarget(b)) })
}

func benchApply(b *testing.B, tg target) {
	for _, writers := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openT(b, tg.driver, tg.fresh(b))
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
