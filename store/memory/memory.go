// Package memory is the store for persistent="false" and
// <memoryPersistenceAdapter>: everything lives in process memory and is gone
// at exit. It follows the same contract as the durable stores so the broker
// has one code path.
package memory

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"sync"

	"amq/store"
)

type rec struct {
	store.Record
	owners []string // remaining durable subscriptions; nil for queue messages
}

type container struct {
	recs  map[uint64]*rec
	order []uint64 // ascending; may hold seqs already removed from recs
	bytes int64
}

// Store keeps records in maps; Apply completes inline.
type Store struct {
	mu      sync.RWMutex
	conts   map[string]*container
	subs    map[string]store.SubInfo
	lastSeq uint64
	pos     store.Position
	closed  bool
}

// New returns an empty memory store.
func New() *Store {
	return &Store{conts: map[string]*container{}, subs: map[string]store.SubInfo{}}
}

func (s *Store) cont(name string) *container {
	c := s.conts[name]
	if c == nil {
		c = &container{recs: map[uint64]*rec{}}
		s.conts[name] = c
	}
	return c
}

// Apply performs ops atomically and calls done before returning.
func (s *Store) Apply(ops []store.Op, done func(store.Position, error)) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if done != nil {
			done(0, store.ErrClosed)
		}
		return
	}
	for i := range ops {
		s.apply(&ops[i])
	}
	s.pos++
	p := s.pos
	s.mu.Unlock()
	if done != nil {
		done(p, nil)
	}
}

func (s *Store) apply(op *store.Op) {
	switch op.Kind {
	case store.OpAdd:
		r := op.Record
		c := s.cont(r.Container)
		if _, dup := c.recs[r.Seq]; dup {
			return
		}
		nr := &rec{Record: r}
		if len(r.Subs) > 0 {
			nr.owners = append([]string(nil), r.Subs...)
		}
		c.recs[r.Seq] = nr
		if n := len(c.order); n == 0 || c.order[n-1] < r.Seq {
			c.order = append(c.order, r.Seq)
		} else {
			i := sort.Search(n, func(i int) bool { return c.order[i] >= r.Seq })
			c.order = slices.Insert(c.order, i, r.Seq)
		}
		c.bytes += int64(len(r.Data))
		if r.Seq > s.lastSeq {
			s.lastSeq = r.Seq
		}
	case store.OpAck:
		c := s.conts[op.Ack.Container]
		if c == nil {
			return
		}
		r := c.recs[op.Ack.Seq]
		if r == nil {
			return
		}
		if op.Ack.Sub != "" && r.owners != nil {
			r.owners = slices.DeleteFunc(r.owners, func(o string) bool { return o == op.Ack.Sub })
			if len(r.owners) > 0 {
				return
			}
		}
		s.remove(c, r)
	case store.OpAddSub:
		s.subs[op.Sub.Key] = op.Sub
	case store.OpRemoveSub:
		key := op.Sub.Key
		if _, ok := s.subs[key]; !ok {
			return
		}
		delete(s.subs, key)
		// In every container: a wildcard or composite subscription's
		// messages lie in the topics they were sent to.
		for _, c := range s.conts {
			for _, r := range c.recs {
				if slices.Contains(r.owners, key) {
					r.owners = slices.DeleteFunc(r.owners, func(o string) bool { return o == key })
					if len(r.owners) == 0 {
						s.remove(c, r)
					}
				}
			}
		}
	}
}

func (s *Store) remove(c *container, r *rec) {
	delete(c.recs, r.Seq)
	c.bytes -= int64(len(r.Data))
	// Compact the order slice once most of it is dead, so long-lived queues
	// do not keep every seq they ever held.
	if len(c.order) > 64 && len(c.recs) < len(c.order)/2 {
		live := c.order[:0]
		for _, q := range c.order {
			if _, ok := c.recs[q]; ok {
				live = append(live, q)
			}
		}
		c.order = live
	}
}

// Load reads pending records in Seq order.
func (s *Store) Load(ctx context.Context, name, sub string, after uint64, limit int, fn func(store.Record) bool) error {
	s.mu.RLock()
	var conts []*container
	if name == "" && sub != "" {
		for _, c := range s.conts {
			conts = append(conts, c)
		}
	} else if c := s.conts[name]; c != nil {
		conts = append(conts, c)
	}
	var out []store.Record
	for _, c := range conts {
		i := sort.Search(len(c.order), func(i int) bool { return c.order[i] > after })
		for ; i < len(c.order); i++ {
			r := c.recs[c.order[i]]
			if r == nil {
				continue
			}
			if sub != "" && !slices.Contains(r.owners, sub) {
				continue
			}
			out = append(out, r.Record)
			if len(conts) == 1 && limit > 0 && len(out) >= limit {
				break // in seq order already
			}
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for _, r := range out {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !fn(r) {
			break
		}
	}
	return nil
}

// Containers lists containers with their counts.
func (s *Store) Containers(ctx context.Context) ([]store.ContainerStats, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]store.ContainerStats, 0, len(s.conts))
	for name, c := range s.conts {
		out = append(out, store.ContainerStats{Container: name, Count: int64(len(c.recs)), Bytes: c.bytes})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Container < out[j].Container })
	return out, nil
}

// Subscriptions lists durable subscriptions.
func (s *Store) Subscriptions(ctx context.Context) ([]store.SubInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]store.SubInfo, 0, len(s.subs))
	for _, si := range s.subs {
		out = append(out, si)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// LastSeq is the highest Seq added.
func (s *Store) LastSeq() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastSeq
}

// Position counts completed Apply calls.
func (s *Store) Position() store.Position {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pos
}

// Close makes later calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
