package server

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go runtime hands freed heap back to the operating system slowly, and
// collects garbage only when the heap has doubled, so after a burst (a
// backlog filled, a few thousand connections come and gone or opened) the
// process keeps a resident size well above what it uses. The trimmer
// watches for a quiet spell in which much could be given back and then
// collects and returns it at once; under load it does nothing, so it never
// costs a busy broker.
//
// The spell is trimQuietFor long, not one tick: memory given back is
// faulted in again, zeroed, by the next burst. Bursts of 20,000 64 KB
// messages three seconds apart took two to three page faults per message
// that way; kept through the pause (and the pacer's peak with it), under
// one after the first burst, and the broker's CPU per message fell from 42
// to 35 us. Allocators that decay their free pages do so over about ten
// seconds too.
const (
	trimEvery     = 500 * time.Millisecond
	trimQuietFor  = 10 * time.Second
	trimMinBytes  = 16 << 20 // reclaimable heap worth a collection
	trimQuietRate = 4 << 20  // allocated per trimEvery: below this is quiet
)

// stackGuess is what the stack of an ended goroutine is counted as (they
// start at 2 KB and double as they grow; a connection's settle at 4-8 KB).
const stackGuess = 4 << 10

// trimWorth reports whether a forced collection is worth it: what it would
// give back is at least trimMinBytes and a quarter of the live heap. That is
// the free heap not yet returned, everything allocated since the last
// collection (an upper bound of the garbage), and the stacks of goroutines
// that ended since the last trim (the runtime keeps them for reuse until a
// collection frees them; idle connections' writers end by the thousand).
// The quarter keeps the forced collections of a broker holding a large
// backlog at most about four times as frequent as the runtime's own, and
// only while the broker is quiet.
func trimWorth(free, objects, live, goneGoroutines uint64) bool {
	reclaimable := free + goneGoroutines*stackGuess
	if objects > live {
		reclaimable += objects - live
	}
	return reclaimable >= max(trimMinBytes, live/4)
}

func (s *Server) trimLoop(quit <-chan struct{}) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/sched/goroutines:goroutines"},
	}
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	var (
		peakGoroutines uint64
		spell          quietSpell
	)
	_, userGOGC := os.LookupEnv("GOGC")
	defer startGCPacer(userGOGC)()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		metrics.Read(samples)
		free, allocs := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		objects, live := samples[2].Value.Uint64(), samples[3].Value.Uint64()
		goroutines := samples[4].Value.Uint64()
		peakGoroutines = max(peakGoroutines, goroutines)
		if spell.long(allocs, time.Now()) && trimWorth(free, objects, live, peakGoroutines-goroutines) {
			debug.FreeOSMemory()
			peakGoroutines = goroutines
			s.log.Debug("returned free heap to the operating system", "free", free, "objects", objects, "live", live)
		}
	}
}

// quietSpell follows the heap's allocation counter from tick to tick.
type quietSpell struct {
	lastAllocs uint64
	since      time.Time // when the last busy tick was; zero before any
}

// long records the counter at a tick and reports whether the broker has
// allocated less than trimQuietRate a tick for trimQuietFor.
func (q *quietSpell) long(allocs uint64, now time.Time) bool {
	if q.since.IsZero() || allocs-q.lastAllocs >= trimQuietRate {
		q.since = now
	}
	q.lastAllocs = allocs
	return now.Sub(q.since) >= trimQuietFor
}
