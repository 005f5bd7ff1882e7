package server

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go runtime hands freed heap back to the operating system slowly, so
// after a burst (a backlog filled, a few thousand connections come and
// gone) the process keeps a resident size several times what it uses. The
// trimmer watches for a quiet moment with much free heap and returns it at
// once; under load it does nothing, so it never costs a busy broker.
const (
	trimEvery     = 500 * time.Millisecond
	trimFreeBytes = 32 << 20 // free heap worth giving back
	trimQuietRate = 4 << 20  // allocated per trimEvery: below this is quiet
)

func (s *Server) trimLoop(quit <-chan struct{}) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/gc/heap/allocs:bytes"},
	}
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	var lastAllocs uint64
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		metrics.Read(samples)
		free, allocs := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		quiet := allocs-lastAllocs < trimQuietRate
		lastAllocs = allocs
		if quiet && free > trimFreeBytes {
			debug.FreeOSMemory()
			s.log.Debug("returned free heap to the operating system", "bytes", free)
		}
	}
}
