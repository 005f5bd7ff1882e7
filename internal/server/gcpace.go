package server

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The collector's pace. With the default GOGC of 100 a broker whose live
// heap is small (a few MB: no backlog) collects every few MB allocated --
// over a hundred times a second when 64 KB messages stream through -- and a
// fifth of its CPU goes to that. So the heap goal is the larger of twice the
// largest live heap of the last two to four seconds of collections and that
// peak plus gcHeadroom -- what GOGC = 100 gives once the live heap is larger
// than the headroom; the trimmer gives the room back when the broker is
// quiet.
//
// GOGC is a ratio, so a GOGC fixed for a while multiplies every swing of the
// live heap: 64 KB messages in flight swing it between 10 and 40 MB many
// times a second, and the heap goal swung between 25 and 136 MB with it.
// Each time the goal drops, the runtime's background scavenger returns the
// free heap above it to the kernel, and the next bodies fault those pages in
// again, zeroed (2.5 page faults per 64 KB message, 12% of the broker's CPU).
// So GOGC is set again after every collection, for a goal that stays put
// while the live heap swings below the recent peak: both terms of the goal
// follow the peak, not the live heap of the moment (twice the live heap
// alone still moved the goal between 114 and 246 MB, and the scavenger gave
// back 200 MB in a run of 60,000 messages; 18 MB with both on the peak).
const (
	gcHeadroom = 32 << 20
	peakWindow = 2 * time.Second
	// heapMinimumPer100 is the runtime's smallest heap goal at GOGC 100; it
	// scales with GOGC, so a large GOGC over a tiny live heap would set a
	// far larger goal than asked for.
	heapMinimumPer100 = 4 << 20
)

// gcPercentFor is the GOGC whose heap goal is the larger of twice the peak
// and peak + gcHeadroom, where peak is the largest recent live heap (live
// itself, if larger).
// The runtime's goal is live + (live + stacks + globals) x GOGC/100, so the
// stacks and globals it scans (scan, thousands of connections' stacks) are
// counted; and at least 4 MB x GOGC/100, so GOGC is capped where that
// minimum would pass the target.
func gcPercentFor(live, peak, scan uint64) int {
	peak = max(peak, live)
	target := max(peak+gcHeadroom, 2*peak)
	base := live + scan
	p := target * 100 / heapMinimumPer100
	if base > 0 {
		p = min(p, (target-live)*100/base)
	}
	return int(max(p, 100))
}

// gcPacer re-sets GOGC after every collection: a cleanup on an object that
// is garbage at once runs after the collection that finds it so (the one
// after next, for one allocated while a collection marks) and arms the
// next one. It costs nothing while the broker allocates nothing.
type gcPacer struct {
	mu    sync.Mutex
	users int // servers running in this process; the pacer stops at 0
	armed bool
	saved int // GOGC before the first server started, restored after the last
	// The recent peak is the larger of this window's and the last one's,
	// so it never drops to a trough the moment a window ends.
	peak, lastPeak uint64
	windowAt       time.Time
	// percent is the GOGC last set, to skip setting it again; it is
	// forgotten whenever the pacer starts, so a GOGC changed while it was
	// stopped is overwritten.
	percent int
	sample  []metrics.Sample
}

// pacer is process-wide, as GOGC is.
var pacer = gcPacer{sample: []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/gc/scan/stack:bytes"},
	{Name: "/gc/scan/globals:bytes"},
}}

// gcSentinel holds a pointer so that it is not batched with other tiny
// objects, which would delay its cleanup.
type gcSentinel struct{ _ *gcSentinel }

// startGCPacer starts pacing the collector for one more server and returns
// the function that ends that; after the last, GOGC is what it was before
// the first. A GOGC set in the environment is left alone.
func startGCPacer(userGOGC bool) (stop func()) {
	if userGOGC {
		return func() {}
	}
	pacer.mu.Lock()
	if pacer.users == 0 {
		gogc := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(gogc)
		pacer.saved = int(int64(gogc[0].Value.Uint64())) // -1 for off
		pacer.percent, pacer.peak, pacer.lastPeak = 0, 0, 0
	}
	pacer.users++
	if !pacer.armed {
		pacer.armed = true
		pacer.arm()
	}
	pacer.mu.Unlock()
	return func() {
		pacer.mu.Lock()
		defer pacer.mu.Unlock()
		if pacer.users--; pacer.users == 0 {
			debug.SetGCPercent(pacer.saved)
		}
	}
}

func (p *gcPacer) arm() {
	runtime.AddCleanup(new(gcSentinel), (*gcPacer).cycle, p)
}

// cycle runs after a collection: it sets the GOGC for the next one.
func (p *gcPacer) cycle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.users == 0 {
		p.armed = false // the next startGCPacer arms it again
		return
	}
	metrics.Read(p.sample)
	live := p.sample[0].Value.Uint64()
	scan := p.sample[1].Value.Uint64() + p.sample[2].Value.Uint64()
	peak := p.recentPeak(live, time.Now())
	if pct := gcPercentFor(live, peak, scan); pct != p.percent {
		debug.SetGCPercent(pct)
		p.percent = pct
	}
	p.arm()
}

// recentPeak records a collection's live heap at now and returns the
// largest of this window and the last. A pause with no collection ends one
// window, not two: the next burst starts with the last one's peak, so its
// first collections do not lower the goal and have the runtime give back the
// pages the burst is about to fault in again -- bursts a few seconds apart
// took two to three page faults per 64 KB message that way, against under
// one kept (the trimmer returns the pages once the pause is long).
func (p *gcPacer) recentPeak(live uint64, now time.Time) uint64 {
	if now.Sub(p.windowAt) > peakWindow {
		p.lastPeak, p.peak, p.windowAt = p.peak, 0, now
	}
	p.peak = max(p.peak, live)
	return max(p.peak, p.lastPeak)
}
