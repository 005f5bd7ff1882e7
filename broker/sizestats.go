package broker

import "sync/atomic"

// sizeStats keeps the smallest, largest and total size of the messages a
// destination has taken in, as ActiveMQ's MinMessageSize, MaxMessageSize and
// AverageMessageSize report them. It is updated on every enqueue, so it is
// lock-free: a topic routes under a read lock, many senders at once. Min and
// max are written only when they change, which after the first few messages
// is rare; the total is one atomic add.
type sizeStats struct {
	min, max, total atomic.Int64 // min 0 = nothing seen yet (sizes are > 0)
}

func (s *sizeStats) add(n int64) {
	if n <= 0 {
		return
	}
	s.total.Add(n)
	for {
		cur := s.min.Load()
		if cur != 0 && cur <= n || s.min.CompareAndSwap(cur, n) {
			break
		}
	}
	for {
		cur := s.max.Load()
		if cur >= n || s.max.CompareAndSwap(cur, n) {
			break
		}
	}
}

// fill copies the sizes into a stats snapshot.
func (s *sizeStats) fill(st *QueueStats) {
	st.MinMessageSize = s.min.Load()
	st.MaxMessageSize = s.max.Load()
	st.EnqueuedBytes = s.total.Load()
}
