package server

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's pace: with the default GOGC of 100 a broker whose live
// heap is small (a few MB: no backlog) collects every few MB allocated --
// over a hundred times a second when 64 KB messages stream through -- and
// a fifth of its CPU goes to that. So the loop below keeps at least
// gcHeadroom of room above the live heap, as GOGC = 100 does once the live
// heap is larger than that: the heap peaks at the live heap plus
// max(live, gcHeadroom), and the trimmer gives the headroom back when the
// broker is quiet. A GOGC set in the environment is left alone.
const (
	gcHeadroom   = 32 << 20
	gcPercentMax = 800
)

// gcPercentFor is the GOGC that leaves gcHeadroom above a live heap of live
// bytes, never below the default 100 nor above gcPercentMax.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcPercentMax
	}
	return int(min(max(gcHeadroom*100/live, 100), gcPercentMax))
}

// The Go runtime hands freed heap back to the operating system slowly, and
// collects garbage only when the heap has doubled, so after a burst (a
// backlog filled, a few thousand connections come and gone or opened) the
// process keeps a resident size well above what it uses. The trimmer
// watches for a quiet moment in which much could be given back and then
// collects and returns it at once; under load it does nothing, so it never
// costs a busy broker.
const (
	trimEvery     = 500 * time.Millisecond
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
	var lastAllocs, peakGoroutines uint64
	_, userGOGC := os.LookupEnv("GOGC")
	gcPercent := 100
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
		if p := gcPercentFor(live); !userGOGC && (p > gcPercent*9/8 || p < gcPercent*7/8) {
			debug.SetGCPercent(p)
			gcPercent = p
		}
		quiet := allocs-lastAllocs < trimQuietRate
		lastAllocs = allocs
		if quiet && trimWorth(free, objects, live, peakGoroutines-goroutines) {
			debug.FreeOSMemory()
			peakGoroutines = goroutines
			s.log.Debug("returned free heap to the operating system", "free", free, "objects", objects, "live", live)
		}
	}
}
