package leveldb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"amq/store"
)

// Journal record framing:
//
//	offset 0  uint32 LE  payload length n
//	offset 4  uint32 LE  CRC-32C (Castagnoli) of bytes [8, 9+n): the kind and the payload
//	offset 8  uint8      kind
//	offset 9  n bytes    payload
//
// A record's position is the journal byte offset of its first byte; the
// journal is the concatenation of its segments, each named after the position
// of its first byte.
const (
	recHeaderSize = 9
	maxPayload    = 1 << 30
)

// Record kinds.
const (
	kindHeader byte = 1 // segment header: magic, version, LastSeq when the segment was created
	kindAdd    byte = 2 // store.OpAdd
	kindAck    byte = 3 // store.OpAck
	kindSub    byte = 4 // store.OpAddSub
	kindUnsub  byte = 5 // store.OpRemoveSub
	kindTx     byte = 6 // several of the above, atomically
	kindMove   byte = 7 // a live message rewritten forward by segment compaction
)

const (
	journalMagic   = "AMQJRNL"
	journalVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorrupt = errors.New("corrupt journal record")

// jop is one decoded journal operation with the journal position of its
// payload, so the index can point at it.
type jop struct {
	kind   byte
	loc    uint64 // position of the payload
	size   uint32 // payload length
	rec    store.Record
	ack    store.AckRef
	sub    store.SubInfo
	owners []string // kindMove: the subscriptions still pending
	hdrSeq uint64   // kindHeader
}

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func stringLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// addPayloadLen is the encoded size of an ADD payload.
func addPayloadLen(r *store.Record) int {
	n := stringLen(r.Container) + uvarintLen(r.Seq) + 1 + binary.MaxVarintLen64
	n += uvarintLen(uint64(len(r.Subs)))
	for _, s := range r.Subs {
		n += stringLen(s)
	}
	return n + len(r.Data)
}

// ADD payload: container, uvarint seq, priority byte, varint expiration,
// uvarint count of subs and each sub, then the data to the end.
func appendAdd(b []byte, r *store.Record) []byte {
	b = appendString(b, r.Container)
	b = appendUvarint(b, r.Seq)
	b = append(b, r.Priority)
	b = binary.AppendVarint(b, r.Expiration)
	b = appendUvarint(b, uint64(len(r.Subs)))
	for _, s := range r.Subs {
		b = appendString(b, s)
	}
	return append(b, r.Data...)
}

// ACK payload: container, uvarint seq, sub.
func appendAck(b []byte, a *store.AckRef) []byte {
	b = appendString(b, a.Container)
	b = appendUvarint(b, a.Seq)
	return appendString(b, a.Sub)
}

// SUB payload: key, client ID, name, topic, selector, no-local byte.
func appendSub(b []byte, s *store.SubInfo) []byte {
	b = appendString(b, s.Key)
	b = appendString(b, s.ClientID)
	b = appendString(b, s.Name)
	b = appendString(b, s.Topic)
	b = appendString(b, s.Selector)
	if s.NoLocal {
		return append(b, 1)
	}
	return append(b, 0)
}

// UNSUB payload: key.
func appendUnsub(b []byte, s *store.SubInfo) []byte { return appendString(b, s.Key) }

// MOVE payload: uvarint count of pending subs and each sub, then an ADD payload.
func appendMoveHead(b []byte, owners []string) []byte {
	b = appendUvarint(b, uint64(len(owners)))
	for _, o := range owners {
		b = appendString(b, o)
	}
	return b
}

// HEADER payload: magic, version byte, uvarint LastSeq.
func appendHeaderPayload(b []byte, lastSeq uint64) []byte {
	b = append(b, journalMagic...)
	b = append(b, journalVersion)
	return appendUvarint(b, lastSeq)
}

func opKind(k store.OpKind) (byte, error) {
	switch k {
	case store.OpAdd:
		return kindAdd, nil
	case store.OpAck:
		return kindAck, nil
	case store.OpAddSub:
		return kindSub, nil
	case store.OpRemoveSub:
		return kindUnsub, nil
	}
	return 0, fmt.Errorf("unknown op kind %d", k)
}

func appendOp(b []byte, op *store.Op) []byte {
	switch op.Kind {
	case store.OpAdd:
		return appendAdd(b, &op.Record)
	case store.OpAck:
		return appendAck(b, &op.Ack)
	case store.OpAddSub:
		return appendSub(b, &op.Sub)
	default:
		return appendUnsub(b, &op.Sub)
	}
}

// beginRecord reserves a header; finishRecord fills it in.
func beginRecord(b []byte, kind byte) ([]byte, int) {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, kind)
	return b, start
}

func finishRecord(b []byte, start int) []byte {
	rec := b[start:]
	binary.LittleEndian.PutUint32(rec[0:], uint32(len(rec)-recHeaderSize))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(rec[8:], castagnoli))
	return b
}

// encodeApply turns one Apply call into one journal record: the op's own
// kind for a single op, a TX record for several, so that a torn write can
// never keep part of a batch.
func encodeApply(ops []store.Op) ([]byte, error) {
	size := recHeaderSize + binary.MaxVarintLen64
	for i := range ops {
		if _, err := opKind(ops[i].Kind); err != nil {
			return nil, err
		}
		size += 1 + binary.MaxVarintLen64
		if ops[i].Kind == store.OpAdd {
			size += addPayloadLen(&ops[i].Record)
		} else {
			size += 64 + len(ops[i].Ack.Container) + len(ops[i].Ack.Sub) + len(ops[i].Sub.Key) +
				len(ops[i].Sub.ClientID) + len(ops[i].Sub.Name) + len(ops[i].Sub.Topic) + len(ops[i].Sub.Selector)
		}
	}
	if size > maxPayload {
		return nil, fmt.Errorf("batch of %d bytes exceeds the journal record limit of %d", size, maxPayload)
	}
	b := make([]byte, 0, size)
	if len(ops) == 1 {
		k, _ := opKind(ops[0].Kind)
		b, start := beginRecord(b, k)
		b = appendOp(b, &ops[0])
		return finishRecord(b, start), nil
	}
	b, start := beginRecord(b, kindTx)
	b = appendUvarint(b, uint64(len(ops)))
	var scratch []byte
	for i := range ops {
		k, _ := opKind(ops[i].Kind)
		b = append(b, k)
		if ops[i].Kind == store.OpAdd {
			r := &ops[i].Record
			exact := stringLen(r.Container) + uvarintLen(r.Seq) + 1 + varintLen(r.Expiration) + uvarintLen(uint64(len(r.Subs))) + len(r.Data)
			for _, s := range r.Subs {
				exact += stringLen(s)
			}
			b = appendUvarint(b, uint64(exact))
			b = appendAdd(b, r)
			continue
		}
		scratch = appendOp(scratch[:0], &ops[i])
		b = appendUvarint(b, uint64(len(scratch)))
		b = append(b, scratch...)
	}
	return finishRecord(b, start), nil
}

func varintLen(v int64) int {
	ux := uint64(v) << 1
	if v < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
}

func encodeHeaderRecord(lastSeq uint64) []byte {
	b, start := beginRecord(nil, kindHeader)
	b = appendHeaderPayload(b, lastSeq)
	return finishRecord(b, start)
}

// decoder reads fields from a payload.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.err = errCorrupt
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.err = errCorrupt
		return nil
	}
	v := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return v
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }

func (d *decoder) rest() []byte {
	if d.err != nil {
		return nil
	}
	v := d.b[d.off:]
	d.off = len(d.b)
	return v
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// decodeAdd decodes an ADD payload; Data aliases p.
func decodeAdd(p []byte) (store.Record, error) {
	d := decoder{b: p}
	var r store.Record
	r.Container = d.str()
	r.Seq = d.uvarint()
	r.Priority = d.byte1()
	r.Expiration = d.varint()
	r.Subs = d.strings()
	r.Data = d.rest()
	return r, d.err
}

func decodeSub(d *decoder) store.SubInfo {
	var s store.SubInfo
	s.Key = d.str()
	s.ClientID = d.str()
	s.Name = d.str()
	s.Topic = d.str()
	s.Selector = d.str()
	s.NoLocal = d.byte1() == 1
	return s
}

// decodeOps decodes the payload of a record at pos into operations,
// appending to out. The payload starts at pos+recHeaderSize.
func decodeOps(out []jop, kind byte, payload []byte, pos uint64) ([]jop, error) {
	base := pos + recHeaderSize
	if kind != kindTx {
		return decodeOne(out, kind, payload, base)
	}
	d := decoder{b: payload}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(payload)) {
		return out, errCorrupt
	}
	for i := uint64(0); i < n; i++ {
		k := d.byte1()
		sz := d.uvarint()
		start := d.off
		p := d.bytes(sz)
		if d.err != nil {
			return out, d.err
		}
		if k == kindTx || k == kindHeader {
			return out, errCorrupt
		}
		var err error
		if out, err = decodeOne(out, k, p, base+uint64(start)); err != nil {
			return out, err
		}
	}
	if d.off != len(payload) {
		return out, errCorrupt
	}
	return out, nil
}

func decodeOne(out []jop, kind byte, p []byte, loc uint64) ([]jop, error) {
	op := jop{kind: kind, loc: loc, size: uint32(len(p))}
	d := decoder{b: p}
	switch kind {
	case kindAdd:
		r, err := decodeAdd(p)
		if err != nil {
			return out, err
		}
		op.rec = r
	case kindMove:
		op.owners = d.strings()
		if d.err != nil {
			return out, d.err
		}
		r, err := decodeAdd(p[d.off:])
		if err != nil {
			return out, err
		}
		op.rec = r
		op.loc += uint64(d.off)
		op.size -= uint32(d.off)
	case kindAck:
		op.ack.Container = d.str()
		op.ack.Seq = d.uvarint()
		op.ack.Sub = d.str()
	case kindSub:
		op.sub = decodeSub(&d)
	case kindUnsub:
		op.sub.Key = d.str()
	case kindHeader:
		m := d.bytes(uint64(len(journalMagic)))
		if d.err == nil && string(m) != journalMagic {
			return out, fmt.Errorf("%w: bad segment magic", errCorrupt)
		}
		if v := d.byte1(); d.err == nil && v != journalVersion {
			return out, fmt.Errorf("journal format version %d is not supported (this build reads %d)", v, journalVersion)
		}
		op.hdrSeq = d.uvarint()
	default:
		return out, fmt.Errorf("%w: unknown kind %d", errCorrupt, kind)
	}
	if d.err != nil {
		return out, d.err
	}
	return append(out, op), nil
}

// checkRecord validates the framing at the start of b and returns the
// record's kind, payload and total length. ok is false for a short or
// corrupt record.
func checkRecord(b []byte) (kind byte, payload []byte, n int, ok bool) {
	if len(b) < recHeaderSize {
		return 0, nil, 0, false
	}
	ln := binary.LittleEndian.Uint32(b[0:])
	if ln > maxPayload || uint64(len(b)) < uint64(recHeaderSize)+uint64(ln) {
		return 0, nil, 0, false
	}
	end := recHeaderSize + int(ln)
	if crc32.Checksum(b[8:end], castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return 0, nil, 0, false
	}
	return b[8], b[recHeaderSize:end], end, true
}
