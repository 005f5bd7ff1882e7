package leveldb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/iterator"
	"github.com/syndtr/goleveldb/leveldb/util"

	"amq/store"
)

// Index keys. Strings inside keys are length-prefixed (uvarint) so that a
// prefix never matches a longer name; seqs are big-endian so keys sort in
// seq order.
//
//	'm' container seq          -> message value: journal location and pending subs
//	'p' sub container seq      -> empty: seq is pending for durable subscription sub
//	's' key                    -> subscription value: journal location and SubInfo
//	'c' container              -> empty: the container is known
//	'r' segA segB              -> empty: segment A holds acks for records in segment B,
//	                              so A may only be deleted after B
//	"!applied"                 -> uvarint journal position the index reflects
//	"!lastseq"                 -> uvarint highest seq ever added
//	"!version"                 -> uvarint index format version
const (
	pfxMsg     = 'm'
	pfxPending = 'p'
	pfxSub     = 's'
	pfxCont    = 'c'
	pfxRef     = 'r'

	indexVersion = 1
)

var (
	keyApplied = []byte("!applied")
	keyLastSeq = []byte("!lastseq")
	keyVersion = []byte("!version")
	keySynced  = []byte("!synced")
)

func msgPrefix(container string) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(container)+8)
	b = append(b, pfxMsg)
	return appendString(b, container)
}

func msgKey(container string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(msgPrefix(container), seq)
}

func pendingPrefix(sub, container string) []byte {
	return appendString(pendingSubPrefix(sub, len(container)), container)
}

// pendingSubPrefix is the start of every pending key of sub, in whatever
// topic; room is extra capacity for what the caller appends.
func pendingSubPrefix(sub string, room int) []byte {
	b := make([]byte, 0, 2+2*binary.MaxVarintLen64+len(sub)+room+8)
	b = append(b, pfxPending)
	return appendString(b, sub)
}

// splitPending returns the topic and seq of a pending key that starts with
// a prefix of n bytes made by pendingSubPrefix.
func splitPending(k []byte, n int) (container string, seq uint64, err error) {
	if len(k) < n+8 {
		return "", 0, errCorrupt
	}
	d := decoder{b: k[n : len(k)-8]}
	container = d.str()
	if d.err != nil || d.off != len(d.b) {
		return "", 0, errCorrupt
	}
	return container, seqOfKey(k), nil
}

func pendingKey(sub, container string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(pendingPrefix(sub, container), seq)
}

func subKey(key string) []byte { return appendString([]byte{pfxSub}, key) }

func contKey(container string) []byte { return appendString([]byte{pfxCont}, container) }

func refKey(a, b uint64) []byte {
	k := make([]byte, 17)
	k[0] = pfxRef
	binary.BigEndian.PutUint64(k[1:], a)
	binary.BigEndian.PutUint64(k[9:], b)
	return k
}

func refPrefix(a uint64) []byte {
	k := make([]byte, 9)
	k[0] = pfxRef
	binary.BigEndian.PutUint64(k[1:], a)
	return k
}

// seqOfKey returns the trailing big-endian seq of an 'm' or 'p' key.
func seqOfKey(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

func uvarintValue(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func readUvarint(b []byte) uint64 {
	v, _ := binary.Uvarint(b)
	return v
}

// msgVal is what the index keeps for a message.
type msgVal struct {
	loc     uint64 // journal position of the ADD payload
	size    uint32 // payload length
	dataLen uint32
	topic   bool     // added with subscriptions: owners are tracked
	owners  []string // subscriptions that have not acked yet
	segs    []uint64 // other segments holding ADD records of this message
}

func (v *msgVal) encode() []byte {
	b := make([]byte, 0, 32)
	b = appendUvarint(b, v.loc)
	b = appendUvarint(b, uint64(v.size))
	b = appendUvarint(b, uint64(v.dataLen))
	if v.topic {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendUvarint(b, uint64(len(v.owners)))
	for _, o := range v.owners {
		b = appendString(b, o)
	}
	b = appendUvarint(b, uint64(len(v.segs)))
	for _, s := range v.segs {
		b = appendUvarint(b, s)
	}
	return b
}

func decodeMsgVal(b []byte) (msgVal, error) {
	d := decoder{b: b}
	var v msgVal
	v.loc = d.uvarint()
	v.size = uint32(d.uvarint())
	v.dataLen = uint32(d.uvarint())
	v.topic = d.byte1() == 1
	v.owners = d.strings()
	n := d.uvarint()
	if n > uint64(len(b)) {
		return v, errCorrupt
	}
	for i := uint64(0); i < n; i++ {
		v.segs = append(v.segs, d.uvarint())
	}
	return v, d.err
}

// subVal is what the index keeps for a durable subscription.
type subVal struct {
	loc  uint64
	size uint32
	segs []uint64 // other segments holding SUB records for this key
	info store.SubInfo
}

func (v *subVal) encode() []byte {
	b := appendUvarint(nil, v.loc)
	b = appendUvarint(b, uint64(v.size))
	b = appendUvarint(b, uint64(len(v.segs)))
	for _, s := range v.segs {
		b = appendUvarint(b, s)
	}
	return appendSub(b, &v.info)
}

func decodeSubVal(b []byte) (subVal, error) {
	d := decoder{b: b}
	var v subVal
	v.loc = d.uvarint()
	v.size = uint32(d.uvarint())
	n := d.uvarint()
	if n > uint64(len(b)) {
		return v, errCorrupt
	}
	for i := uint64(0); i < n; i++ {
		v.segs = append(v.segs, d.uvarint())
	}
	v.info = decodeSub(&d)
	return v, d.err
}

// segmenter maps journal positions to segments.
type segmenter interface {
	// segOf returns the start of the segment holding position loc.
	segOf(loc uint64) uint64
	// segExists reports whether a segment starting at start is still on disk.
	segExists(start uint64) bool
}

type contDelta struct {
	count, bytes int64
	added        bool
}

type segDelta struct {
	live, bytes int64
}

// txn accumulates the index changes of a group of journal records in one
// leveldb batch, reading its own uncommitted writes through an overlay.
type txn struct {
	db      *leveldb.DB
	segs    segmenter
	over    map[string]ovEntry
	batch   leveldb.Batch
	conts   map[string]*contDelta
	live    map[uint64]*segDelta
	refs    map[[2]uint64]struct{}
	lastSeq uint64
	ops     int
	// known, when set, reports containers already in the index.
	known func(string) bool

	// A cursor serves gets that walk the index in key order -- a consumer's
	// acks, one message after the next -- where a step of an iterator
	// costs a fraction of a Get. Only the writer changes these keys, and
	// only when it commits a txn, so in the writer's txns the cursor reads
	// what Get would. (The segment rewrite's scan reads through a txn of
	// its own on another goroutine; what it reads may be older, and the
	// writer checks each move again, see placeMoves.) It
	// is opened by a get for a message shortly after the one before
	// (lastGet) and closed with closeCursor. The index holds no key in [curLo, the
	// cursor's key), or none from curLo on when curOK is false.
	cur     iterator.Iterator
	curOK   bool
	curLo   []byte
	lastGet []byte
}

type ovEntry struct {
	val []byte
	del bool
}

func newTxn(db *leveldb.DB, segs segmenter, lastSeq uint64) *txn {
	return &txn{
		db:      db,
		segs:    segs,
		over:    map[string]ovEntry{},
		conts:   map[string]*contDelta{},
		live:    map[uint64]*segDelta{},
		refs:    map[[2]uint64]struct{}{},
		lastSeq: lastSeq,
	}
}

func (x *txn) get(k []byte) ([]byte, bool, error) {
	if e, ok := x.over[string(k)]; ok {
		return e.val, !e.del, nil
	}
	ahead := shortlyAfter(k, x.lastGet)
	x.lastGet = append(x.lastGet[:0], k...)
	if x.cur != nil {
		if v, ok, served := x.cursorGet(k); served {
			return v, ok, nil
		}
	}
	if ahead {
		if x.cur == nil {
			x.cur = x.db.NewIterator(nil, nil)
		}
		x.curOK = x.cur.Seek(k)
		x.curLo = append(x.curLo[:0], k...)
		if v, ok, served := x.cursorGet(k); served {
			return v, ok, nil
		}
	}
	v, err := x.db.Get(k, nil)
	if err == leveldb.ErrNotFound {
		return nil, false, nil
	}
	return v, err == nil, err
}

// cursorSteps is how far the cursor walks to a key before a get seeks or
// asks Get instead.
const cursorSteps = 8

// shortlyAfter reports whether k is the key of a message shortly after
// prev's in the same container: where a get seeks the cursor. A seek costs
// more than a Get (which bloom filters spare most tables), so gets in no
// such order -- acks out of order, keys of other kinds -- keep to Get.
func shortlyAfter(k, prev []byte) bool {
	n := len(k) - 8
	if n <= 0 || len(prev) != len(k) || !bytes.Equal(k[:n], prev[:n]) {
		return false
	}
	a, b := binary.BigEndian.Uint64(prev[n:]), binary.BigEndian.Uint64(k[n:])
	return b > a && b-a <= 4*cursorSteps
}

// cursorGet looks k up by moving the cursor forward from where it stands;
// served is false when k lies before curLo or too far ahead.
func (x *txn) cursorGet(k []byte) (v []byte, ok, served bool) {
	if bytes.Compare(k, x.curLo) < 0 || x.cur.Error() != nil {
		return nil, false, false
	}
	for step := 0; ; step++ {
		if !x.curOK {
			// No key from curLo on -- unless the iterator failed.
			return nil, false, x.cur.Error() == nil
		}
		switch c := bytes.Compare(k, x.cur.Key()); {
		case c == 0:
			return bytes.Clone(x.cur.Value()), true, true
		case c < 0:
			return nil, false, true // in [curLo, the cursor's key)
		case step == cursorSteps:
			return nil, false, false
		}
		// Nothing lies between this key and the next one.
		x.curLo = append(append(x.curLo[:0], x.cur.Key()...), 0)
		x.curOK = x.cur.Next()
	}
}

// closeCursor releases the cursor; the txn must be done reading.
func (x *txn) closeCursor() {
	if x.cur != nil {
		x.cur.Release()
		x.cur, x.curOK = nil, false
	}
}

func (x *txn) put(k, v []byte) {
	x.over[string(k)] = ovEntry{val: v}
	x.batch.Put(k, v)
}

func (x *txn) del(k []byte) {
	x.over[string(k)] = ovEntry{del: true}
	x.batch.Delete(k)
}

// keysWithPrefix lists the keys with prefix as the transaction sees them.
func (x *txn) keysWithPrefix(prefix []byte) [][]byte {
	set := map[string]struct{}{}
	it := x.db.NewIterator(util.BytesPrefix(prefix), nil)
	for it.Next() {
		k := string(it.Key())
		if e, ok := x.over[k]; ok && e.del {
			continue
		}
		set[k] = struct{}{}
	}
	it.Release()
	for k, e := range x.over {
		if !e.del && bytes.HasPrefix([]byte(k), prefix) {
			set[k] = struct{}{}
		}
	}
	out := make([][]byte, 0, len(set))
	for k := range set {
		out = append(out, []byte(k))
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}

func (x *txn) cont(name string) *contDelta {
	d := x.conts[name]
	if d == nil {
		d = &contDelta{}
		x.conts[name] = d
	}
	return d
}

func (x *txn) seg(start uint64) *segDelta {
	d := x.live[start]
	if d == nil {
		d = &segDelta{}
		x.live[start] = d
	}
	return d
}

func (x *txn) addLive(loc uint64, size uint32, n int64) {
	d := x.seg(x.segs.segOf(loc))
	d.live += n
	d.bytes += n * int64(size)
}

// addRefs records that the segment holding from must outlive none of the
// segments in targets: it may only be deleted once they are gone.
func (x *txn) addRefs(from uint64, targets ...uint64) {
	a := x.segs.segOf(from)
	for _, b := range targets {
		if b == a || !x.segs.segExists(b) {
			continue
		}
		k := [2]uint64{a, b}
		if _, ok := x.refs[k]; ok {
			continue
		}
		x.refs[k] = struct{}{}
		x.batch.Put(refKey(a, b), nil)
	}
}

// liveSegs returns a copy of segs without the segments already deleted.
func (x *txn) liveSegs(segs []uint64) []uint64 {
	var out []uint64
	for _, s := range segs {
		if x.segs.segExists(s) {
			out = append(out, s)
		}
	}
	return out
}

func addSeg(segs []uint64, s uint64) []uint64 {
	if slices.Contains(segs, s) {
		return segs
	}
	return append(segs, s)
}

func dedupe(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// apply updates the index for one journal operation. The same code runs
// when a group is committed and when the journal is replayed, so the two
// cannot disagree.
func (x *txn) apply(op *jop) error {
	x.ops++
	switch op.kind {
	case kindHeader:
		x.lastSeq = max(x.lastSeq, op.hdrSeq)
	case kindAdd, kindMove:
		return x.applyAdd(op)
	case kindAck:
		return x.applyAck(op)
	case kindSub:
		return x.applySub(op)
	case kindUnsub:
		return x.applyUnsub(op)
	}
	return nil
}

func (x *txn) applyAdd(op *jop) error {
	r := &op.rec
	x.lastSeq = max(x.lastSeq, r.Seq)
	k := msgKey(r.Container, r.Seq)
	raw, ok, err := x.get(k)
	if err != nil {
		return err
	}
	if ok {
		v, err := decodeMsgVal(raw)
		if err != nil {
			return err
		}
		mine := x.segs.segOf(op.loc)
		if op.kind == kindAdd {
			// A duplicate: ignored, but an ack must now also outlive this
			// segment, or a replay without the ack would resurrect it.
			cur := x.segs.segOf(v.loc)
			if mine != cur {
				v.segs = addSeg(x.liveSegs(v.segs), mine)
				x.put(k, v.encode())
			}
			return nil
		}
		// MOVE: the message now lives at op.loc with op.owners pending.
		old := x.segs.segOf(v.loc)
		x.addLive(v.loc, v.size, -1)
		v.segs = x.liveSegs(v.segs)
		if old != mine {
			v.segs = addSeg(v.segs, old)
		}
		v.segs = slices.DeleteFunc(v.segs, func(s uint64) bool { return s == mine })
		owners := dedupe(op.owners)
		for _, o := range v.owners {
			if !slices.Contains(owners, o) {
				x.del(pendingKey(o, r.Container, r.Seq))
			}
		}
		for _, o := range owners {
			if !slices.Contains(v.owners, o) {
				x.put(pendingKey(o, r.Container, r.Seq), nil)
			}
		}
		v.loc, v.size, v.owners = op.loc, op.size, owners
		v.topic = len(owners) > 0
		x.addLive(op.loc, op.size, 1)
		x.put(k, v.encode())
		return nil
	}
	v := msgVal{loc: op.loc, size: op.size, dataLen: uint32(len(r.Data))}
	if op.kind == kindMove {
		v.owners = dedupe(op.owners)
	} else {
		v.owners = dedupe(r.Subs)
	}
	v.topic = len(v.owners) > 0
	for _, o := range v.owners {
		x.put(pendingKey(o, r.Container, r.Seq), nil)
	}
	x.put(k, v.encode())
	if err := x.touchCont(r.Container); err != nil {
		return err
	}
	c := x.cont(r.Container)
	c.count++
	c.bytes += int64(len(r.Data))
	x.addLive(op.loc, op.size, 1)
	return nil
}

func (x *txn) touchCont(name string) error {
	if x.known != nil && x.known(name) {
		return nil
	}
	k := contKey(name)
	_, ok, err := x.get(k)
	if err != nil || ok {
		return err
	}
	x.put(k, nil)
	x.cont(name).added = true
	return nil
}

// removeMsg deletes a message and its pending markers.
func (x *txn) removeMsg(container string, seq uint64, v *msgVal) {
	x.del(msgKey(container, seq))
	for _, o := range v.owners {
		x.del(pendingKey(o, container, seq))
	}
	c := x.cont(container)
	c.count--
	c.bytes -= int64(v.dataLen)
	x.addLive(v.loc, v.size, -1)
}

func (x *txn) applyAck(op *jop) error {
	a := &op.ack
	k := msgKey(a.Container, a.Seq)
	raw, ok, err := x.get(k)
	if err != nil || !ok {
		return err
	}
	v, err := decodeMsgVal(raw)
	if err != nil {
		return err
	}
	if a.Sub != "" && v.topic {
		if !slices.Contains(v.owners, a.Sub) {
			return nil
		}
		v.segs = x.liveSegs(v.segs)
		x.addRefs(op.loc, append(slices.Clone(v.segs), x.segs.segOf(v.loc))...)
		v.owners = slices.DeleteFunc(v.owners, func(o string) bool { return o == a.Sub })
		x.del(pendingKey(a.Sub, a.Container, a.Seq))
		if len(v.owners) > 0 {
			x.put(k, v.encode())
			return nil
		}
		x.removeMsg(a.Container, a.Seq, &v)
		return nil
	}
	x.addRefs(op.loc, append(x.liveSegs(v.segs), x.segs.segOf(v.loc))...)
	x.removeMsg(a.Container, a.Seq, &v)
	return nil
}

func (x *txn) applySub(op *jop) error {
	k := subKey(op.sub.Key)
	nv := subVal{loc: op.loc, size: op.size, info: op.sub}
	raw, ok, err := x.get(k)
	if err != nil {
		return err
	}
	if ok {
		old, err := decodeSubVal(raw)
		if err != nil {
			return err
		}
		x.addLive(old.loc, old.size, -1)
		nv.segs = x.liveSegs(old.segs)
		if s := x.segs.segOf(old.loc); s != x.segs.segOf(op.loc) {
			nv.segs = addSeg(nv.segs, s)
		}
	}
	x.addLive(op.loc, op.size, 1)
	x.put(k, nv.encode())
	return nil
}

func (x *txn) applyUnsub(op *jop) error {
	key := op.sub.Key
	k := subKey(key)
	raw, ok, err := x.get(k)
	if err != nil {
		return err
	}
	if ok {
		old, err := decodeSubVal(raw)
		if err != nil {
			return err
		}
		x.del(k)
		x.addLive(old.loc, old.size, -1)
		x.addRefs(op.loc, append(x.liveSegs(old.segs), x.segs.segOf(old.loc))...)
	}
	// Its pending messages go too, in every topic they were sent to (a
	// wildcard or composite subscription's lie in several), and even when
	// its own record is missing: a journal replayed after the segment
	// holding that record was deleted still names the subscription here,
	// and the messages added for it since must not come back.
	prefix := pendingSubPrefix(key, 0)
	for _, pk := range x.keysWithPrefix(prefix) {
		topic, seq, err := splitPending(pk, len(prefix))
		if err != nil {
			return fmt.Errorf("pending key %q: %w", pk, err)
		}
		mk := msgKey(topic, seq)
		raw, ok, err := x.get(mk)
		if err != nil {
			return err
		}
		x.del(pk)
		if !ok {
			continue
		}
		v, err := decodeMsgVal(raw)
		if err != nil {
			return err
		}
		v.segs = x.liveSegs(v.segs)
		x.addRefs(op.loc, append(slices.Clone(v.segs), x.segs.segOf(v.loc))...)
		v.owners = slices.DeleteFunc(v.owners, func(o string) bool { return o == key })
		if len(v.owners) == 0 {
			x.removeMsg(topic, seq, &v)
		} else {
			x.put(mk, v.encode())
		}
	}
	return nil
}
