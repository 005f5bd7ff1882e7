package server

import "testing"

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
		live uint64
		want int
	}{
		{0, gcPercentMax},      // before the first collection
		{2 * mb, gcPercentMax}, // 32 MB of room would be 1600%
		{8 * mb, 400},          // 32 MB above 8 MB
		{32 * mb, 100},         // the default gives as much
		{1024 * mb, 100},       // never below the default
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", c.live/mb, got, c.want)
		}
	}
}
