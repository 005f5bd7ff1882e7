package broker

import (
	"sync"
	"testing"
)

func TestSizeStatsConcurrent(t *testing.T) {
	var s sizeStats
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 1; i <= 1000; i++ {
				s.add(int64(i*8 + g))
			}
		}(g)
	}
	wg.Wait()
	var st QueueStats
	s.fill(&st)
	st.EnqueueCount = 8000
	var want int64
	for g := 0; g < 8; g++ {
		for i := 1; i <= 1000; i++ {
			want += int64(i*8 + g)
		}
	}
	if st.MinMessageSize != 8 || st.MaxMessageSize != 8007 || st.EnqueuedBytes != want {
		t.Fatalf("min %d max %d total %d, want 8 8007 %d", st.MinMessageSize, st.MaxMessageSize, st.EnqueuedBytes, want)
	}
	if got := st.AverageMessageSize(); got != want/8000 {
		t.Fatalf("average %d, want %d", got, want/8000)
	}
}
