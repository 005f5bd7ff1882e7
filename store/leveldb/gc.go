package leveldb

import (
	"fmt"
	"os"
	"slices"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"

	"amq/store"
)

func (s *Store) gcLoop() {
	defer s.bg.Done()
	for {
		select {
		case <-s.quit:
			return
		case <-s.gcKick:
		}
		s.collect()
	}
}

// collect deletes dead segments and starts a rewrite of the oldest one when
// only a small share of it is still live.
func (s *Store) collect() {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	if err := s.deleteDead(); err != nil {
		s.log.Warn("journal segment cleanup failed", "dir", s.dir, "err", err)
	}
	if err := s.maybeCompact(); err != nil {
		s.log.Warn("journal segment rewrite failed", "dir", s.dir, "err", err)
	}
}

// deleteDead removes every non-active segment without live records whose
// acks no longer refer to an older segment still on disk.
func (s *Store) deleteDead() error {
	s.segMu.RLock()
	list := slices.Clone(s.segs)
	s.segMu.RUnlock()
	if len(list) < 2 {
		return nil
	}
	present := make(map[uint64]bool, len(list))
	for _, g := range list {
		present[g.start] = true
	}
	var dead []*segment
	s.mu.Lock()
	floor := s.floorLocked()
	for _, g := range list[:len(list)-1] {
		st := s.segStats[g.start]
		if st == nil || st.live != 0 || g.start >= floor {
			continue
		}
		free := true
		for t := range st.refs {
			if present[t] {
				free = false
				break
			}
		}
		if free {
			// Segments are visited oldest first, so a later one that only
			// refers to this one may go in the same pass.
			present[g.start] = false
			dead = append(dead, g)
		}
	}
	s.mu.Unlock()
	if len(dead) == 0 {
		return nil
	}
	// After the segments are gone no replay may need them: make the index,
	// which already reflects their records as dead, durable first.
	if err := s.db.Put(keySynced, nil, &opt.WriteOptions{Sync: true}); err != nil {
		return fmt.Errorf("sync index: %w", err)
	}
	s.segMu.Lock()
	s.segs = slices.DeleteFunc(s.segs, func(g *segment) bool { return slices.Contains(dead, g) })
	s.segMu.Unlock()
	var b leveldb.Batch
	var freed int64
	for _, g := range dead {
		freed += g.size.Load()
		g.f.Close()
		if err := os.Remove(g.path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove journal %s: %w", g.path, err)
		}
		it := s.db.NewIterator(util.BytesPrefix(refPrefix(g.start)), nil)
		for it.Next() {
			b.Delete(append([]byte(nil), it.Key()...))
		}
		it.Release()
		s.mu.Lock()
		delete(s.segStats, g.start)
		s.mu.Unlock()
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	if b.Len() > 0 {
		if err := s.db.Write(&b, nil); err != nil {
			return fmt.Errorf("write index: %w", err)
		}
	}
	s.log.Debug("journal segments deleted", "dir", s.dir, "segments", len(dead), "bytes", freed)
	return nil
}

// floorLocked is where garbage collection stops: the oldest segment that
// may still gain records or holds records the index has not seen. s.mu is
// held.
func (s *Store) floorLocked() uint64 {
	if len(s.unindexed) > 0 {
		return min(s.floor, s.unindexed[0])
	}
	return s.floor
}

// maybeCompact rewrites the live records of the oldest segment into the
// active one when they are a small share of it, or when they are fewer bytes
// than the dead segments kept on disk: those hold acks that must outlive the
// messages they ack, so one old unconsumed message pins every segment after
// it that acked its neighbours.
func (s *Store) maybeCompact() error {
	if s.compacting.Load() || s.noCompact.Load() {
		return nil
	}
	s.segMu.RLock()
	list := slices.Clone(s.segs)
	s.segMu.RUnlock()
	if len(list) < 2 {
		return nil
	}
	g := list[0]
	s.mu.Lock()
	st := s.segStats[g.start]
	var pinned int64
	for _, h := range list[1 : len(list)-1] {
		if hs := s.segStats[h.start]; hs != nil && hs.live == 0 {
			pinned += h.size.Load()
		}
	}
	due := st != nil && st.live > 0 && g.start < s.floorLocked() &&
		(st.liveBytes*100 < g.size.Load()*compactPercent || st.liveBytes < pinned)
	s.mu.Unlock()
	if !due {
		return nil
	}
	r := &request{}
	// Read through a txn that writes nothing, for its cursor: a segment's
	// messages mostly follow each other in key order. What it reads may be
	// as old as the scan; the writer checks every move again (placeMoves).
	x := newTxn(s.db, s, 0)
	defer x.closeCursor()
	_, corrupt, err := scanSegment(g, 0, func(kind byte, payload []byte, pos uint64) error {
		ops, err := decodeOps(nil, kind, payload, pos)
		if err != nil {
			return err
		}
		for _, op := range ops {
			switch op.kind {
			case kindAdd, kindMove:
				raw, ok, err := x.get(msgKey(op.rec.Container, op.rec.Seq))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				v, err := decodeMsgVal(raw)
				if err != nil || v.loc != op.loc {
					continue
				}
				start := op.loc - pos
				r.moves = append(r.moves, moveCand{
					container: op.rec.Container,
					seq:       op.rec.Seq,
					loc:       op.loc,
					payload:   append([]byte(nil), payload[start-recHeaderSize:start-recHeaderSize+uint64(op.size)]...),
				})
			case kindSub:
				raw, err := s.db.Get(subKey(op.sub.Key), nil)
				if err == leveldb.ErrNotFound {
					continue
				}
				if err != nil {
					return err
				}
				v, err := decodeSubVal(raw)
				if err != nil || v.loc != op.loc {
					continue
				}
				r.subMoves = append(r.subMoves, subCand{key: op.sub.Key, loc: op.loc})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if corrupt {
		return fmt.Errorf("journal %s is corrupt; not rewriting it", g.path)
	}
	if len(r.moves) == 0 && len(r.subMoves) == 0 {
		return nil
	}
	s.log.Debug("journal segment rewritten forward", "file", g.path, "messages", len(r.moves), "subscriptions", len(r.subMoves))
	s.compacting.Store(true)
	r.done = func(_ store.Position, err error) {
		if err != nil {
			s.log.Warn("journal segment rewrite failed", "file", g.path, "err", err)
		}
		s.compacting.Store(false)
		s.kick()
	}
	if !s.enqueue(r) {
		s.compacting.Store(false)
	}
	return nil
}
