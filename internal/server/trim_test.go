package server

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestTrimWorth(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name                string
		free, objects, live uint64
		gone                uint64 // goroutines ended since the last trim
		want                bool
	}{
		{"little to give back", 2 * mb, 20 * mb, 15 * mb, 100, false},
		{"free heap after a burst", 31 * mb, 53 * mb, 50 * mb, 0, true},
		{"garbage since the last collection", 0, 60 * mb, 40 * mb, 0, true},
		{"idle connections' writers ended", 1 * mb, 33 * mb, 32 * mb, 5000, true},
		{"large live heap: a quarter of it needed", 10 * mb, 450 * mb, 400 * mb, 0, false},
		{"large live heap, a quarter reclaimable", 10 * mb, 495 * mb, 400 * mb, 0, true},
		{"objects below live (swept since)", 0, 30 * mb, 40 * mb, 0, false},
	} {
		if got := trimWorth(c.free, c.objects, c.live, c.gone); got != c.want {
			t.Errorf("%s: trimWorth(%d MB, %d MB, %d MB, %d) = %v, want %v", c.name, c.free/mb, c.objects/mb, c.live/mb, c.gone, got, c.want)
		}
	}
}

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name             string
		live, peak, scan uint64
		want             int
	}{
		{"before the first collection", 0, 0, 0, 800},                   // the runtime's minimum goal, 4 MB x 8
		{"tiny live heap", 1 * mb, 1 * mb, 0, 825},                      // 33 MB: capped by the minimum goal, not 3200%
		{"small live heap", 8 * mb, 8 * mb, 0, 400},                     // 32 MB above 8 MB
		{"at the headroom", 32 * mb, 32 * mb, 0, 100},                   // the default gives as much
		{"large live heap", 1024 * mb, 1024 * mb, 0, 100},               // never below the default
		{"below a recent peak", 10 * mb, 42 * mb, 0, 740},               // goal 84 MB, as at the peak
		{"tiny, below a recent peak", 2 * mb, 42 * mb, 0, 2100},         // goal 84 MB through the minimum
		{"above the peak passed in", 20 * mb, 10 * mb, 0, 160},          // the live heap is a peak too
		{"large, below a recent peak", 100 * mb, 120 * mb, 0, 140},      // twice the peak, not twice live
		{"stacks to scan", 10 * mb, 10 * mb, 6 * mb, 200},               // 10 + 16 x 2 = 42 MB
		{"stacks larger than the room", 12 * mb, 12 * mb, 54 * mb, 100}, // never below the default
	} {
		got := gcPercentFor(c.live, c.peak, c.scan)
		if got != c.want {
			t.Errorf("%s: gcPercentFor(%d MB, %d MB, %d MB) = %d, want %d", c.name, c.live/mb, c.peak/mb, c.scan/mb, got, c.want)
		}
		// The goal the runtime derives from it: live + (live + scan) x
		// GOGC/100, at least 4 MB x GOGC/100; above the target only where
		// GOGC is at its floor of 100.
		goal := max(c.live+(c.live+c.scan)*uint64(got)/100, heapMinimumPer100*uint64(got)/100)
		peak := max(c.live, c.peak)
		want := max(peak+gcHeadroom, 2*peak)
		if got == 100 {
			want = max(want, 2*c.live+c.scan)
		}
		if goal < want*97/100 || goal > want*103/100 {
			t.Errorf("%s: GOGC %d gives a goal of %d MB, want %d MB", c.name, got, goal/mb, want/mb)
		}
	}
}

// The peak a goal is set from lasts two to four seconds of collections, and
// a pause with none between two bursts ends one window, not two.
func TestRecentPeak(t *testing.T) {
	const mb = 1 << 20
	var p gcPacer
	t0 := time.Now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	steps := []struct {
		at   time.Duration
		live uint64
		want uint64
	}{
		{0, 10 * mb, 10 * mb},
		{500 * time.Millisecond, 80 * mb, 80 * mb},
		{1500 * time.Millisecond, 20 * mb, 80 * mb},               // below the peak
		{3 * time.Second, 15 * mb, 80 * mb},                       // a new window: the last one's peak holds
		{30 * time.Second, 12 * mb, 15 * mb},                      // after a pause, the last window's peak still counts
		{30*time.Second + 100*time.Millisecond, 90 * mb, 90 * mb}, // a higher live heap is the peak at once
		{33 * time.Second, 10 * mb, 90 * mb},                      // one window on
		{36 * time.Second, 11 * mb, 11 * mb},                      // two windows on: gone
	}
	for _, s := range steps {
		if got := p.recentPeak(s.live, at(s.at)); got != s.want {
			t.Errorf("at %s with %d MB live: peak %d MB, want %d MB", s.at, s.live/mb, got/mb, s.want/mb)
		}
	}
}

// A quiet spell starts at the last tick that allocated trimQuietRate or
// more, and is long after trimQuietFor.
func TestQuietSpell(t *testing.T) {
	var q quietSpell
	t0 := time.Now()
	allocs := uint64(100 << 20)
	tick := func(i int, alloc uint64) bool {
		allocs += alloc
		return q.long(allocs, t0.Add(time.Duration(i)*trimEvery))
	}
	n := int(trimQuietFor / trimEvery)
	if tick(0, 0) {
		t.Fatal("long at the first tick")
	}
	for i := 1; i < n; i++ {
		if tick(i, trimQuietRate/2) {
			t.Fatalf("long after %d quiet ticks of %d", i, n)
		}
	}
	if !tick(n, 0) {
		t.Fatalf("not long after %s of quiet", trimQuietFor)
	}
	if tick(n+1, trimQuietRate) {
		t.Fatal("still long at a busy tick")
	}
	for i := n + 2; i < 2*n+1; i++ {
		if tick(i, 0) {
			t.Fatalf("long %d ticks after a busy one", i-n-1)
		}
	}
	if !tick(2*n+1, 0) {
		t.Fatal("not long again")
	}
}

// After a collection the pacer has set GOGC for a goal near the live heap
// plus gcHeadroom; when its last server stops, GOGC is as before and the
// pacer disarms.
func TestGCPacerSetsGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	stop := startGCPacer(false)
	// a test binary's live heap is far below 32 MB
	collectUntil(t, "GOGC set by the pacer", func(p *gcPacer) bool { return p.percent > 150 })
	stop()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("GOGC = %d after the last server stopped, want 150 as before", got)
	}
	collectUntil(t, "the pacer disarmed", func(p *gcPacer) bool { return !p.armed })
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("GOGC = %d: set again after the pacer stopped", got)
	}
}

// collectUntil runs collections until cond holds of the pacer.
func collectUntil(t *testing.T, what string, cond func(*gcPacer) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		pacer.mu.Lock()
		ok := cond(&pacer)
		pacer.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
