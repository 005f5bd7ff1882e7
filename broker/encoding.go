package broker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The message encoding every store and the replication stream use. Layout:
//
//	version byte (1)
//	flags uvarint (which optional fields follow, see fXxx)
//	then, in this order, each field whose flag is set; strings and byte
//	slices are uvarint length + bytes, integers are varints.
//
// Changing the layout means a new version byte and a decoder for the old one:
// stores written by earlier releases must stay readable.
const encodingVersion = 1

const (
	fID = 1 << iota
	fDest
	fOrigDest
	fPersistent
	fPriority
	fExpiration
	fTimestamp
	fCorrelation
	fReplyTo
	fType
	fGroupID
	fGroupSeq
	fUserID
	fProps
	fBodyKind
	fBodyEncoding
	fCompressed
	fBody
	fWireProps
	fRedelivery
	fBrokerPath
	fBrokerIn
)

var errShort = errors.New("message encoding truncated")

// MarshalMessage appends the versioned encoding of m to dst.
func MarshalMessage(dst []byte, m *Message) []byte {
	var flags uint64
	set := func(cond bool, f uint64) {
		if cond {
			flags |= f
		}
	}
	set(m.ID != "", fID)
	set(!m.Dest.IsZero(), fDest)
	set(!m.OriginalDest.IsZero(), fOrigDest)
	set(m.Persistent, fPersistent)
	set(m.Priority != 4, fPriority)
	set(m.Expiration != 0, fExpiration)
	set(m.Timestamp != 0, fTimestamp)
	set(m.CorrelationID != "", fCorrelation)
	set(!m.ReplyTo.IsZero(), fReplyTo)
	set(m.Type != "", fType)
	set(m.GroupID != "", fGroupID)
	set(m.GroupSeq != 0, fGroupSeq)
	set(m.UserID != "", fUserID)
	set(len(m.Props) > 0, fProps)
	set(m.BodyKind != BodyNone, fBodyKind)
	set(m.BodyEncoding != EncNative, fBodyEncoding)
	set(m.Compressed, fCompressed)
	set(len(m.Body) > 0, fBody)
	set(len(m.WireProps) > 0, fWireProps)
	set(m.RedeliveryCount != 0, fRedelivery)
	set(len(m.BrokerPath) > 0, fBrokerPath)
	set(m.BrokerInTime != 0, fBrokerIn)

	dst = append(dst, encodingVersion)
	dst = binary.AppendUvarint(dst, flags)
	str := func(s string) {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dest := func(d Destination) {
		dst = append(dst, byte(d.Kind))
		str(d.Name)
	}
	if flags&fID != 0 {
		str(m.ID)
	}
	if flags&fDest != 0 {
		dest(m.Dest)
	}
	if flags&fOrigDest != 0 {
		dest(m.OriginalDest)
	}
	if flags&fPriority != 0 {
		dst = append(dst, m.Priority)
	}
	if flags&fExpiration != 0 {
		dst = binary.AppendVarint(dst, m.Expiration)
	}
	if flags&fTimestamp != 0 {
		dst = binary.AppendVarint(dst, m.Timestamp)
	}
	if flags&fCorrelation != 0 {
		str(m.CorrelationID)
	}
	if flags&fReplyTo != 0 {
		dest(m.ReplyTo)
	}
	if flags&fType != 0 {
		str(m.Type)
	}
	if flags&fGroupID != 0 {
		str(m.GroupID)
	}
	if flags&fGroupSeq != 0 {
		dst = binary.AppendVarint(dst, int64(m.GroupSeq))
	}
	if flags&fUserID != 0 {
		str(m.UserID)
	}
	if flags&fProps != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(m.Props)))
		for i := range m.Props {
			p := &m.Props[i]
			str(p.Name)
			dst = append(dst, byte(p.Type))
			switch p.Type {
			case PropBool, PropByte, PropShort, PropInt, PropLong, PropChar:
				dst = binary.AppendVarint(dst, p.I)
			case PropFloat, PropDouble:
				dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(p.F))
			case PropString:
				str(p.S)
			case PropBytes:
				dst = binary.AppendUvarint(dst, uint64(len(p.B)))
				dst = append(dst, p.B...)
			}
		}
	}
	if flags&fBodyKind != 0 {
		dst = append(dst, byte(m.BodyKind))
	}
	if flags&fBodyEncoding != 0 {
		dst = append(dst, byte(m.BodyEncoding))
	}
	if flags&fBody != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(m.Body)))
		dst = append(dst, m.Body...)
	}
	if flags&fWireProps != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(m.WireProps)))
		dst = append(dst, m.WireProps...)
	}
	if flags&fRedelivery != 0 {
		dst = binary.AppendVarint(dst, int64(m.RedeliveryCount))
	}
	if flags&fBrokerPath != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(m.BrokerPath)))
		for _, s := range m.BrokerPath {
			str(s)
		}
	}
	if flags&fBrokerIn != 0 {
		dst = binary.AppendVarint(dst, m.BrokerInTime)
	}
	return dst
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errShort
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) dest() Destination {
	k := d.byte1()
	name := d.str()
	if d.err == nil && (k < byte(Queue) || k > byte(TempTopic)) {
		d.err = fmt.Errorf("bad destination kind %d", k)
	}
	return Destination{Kind: DestKind(k), Name: name}
}

// UnmarshalMessage decodes what MarshalMessage wrote. Body and WireProps alias
// data; callers that reuse data must copy first.
func UnmarshalMessage(data []byte) (*Message, error) {
	if len(data) == 0 {
		return nil, errShort
	}
	if data[0] != encodingVersion {
		return nil, fmt.Errorf("message encoding version %d not supported (this build reads %d)", data[0], encodingVersion)
	}
	d := &decoder{b: data[1:]}
	flags := d.uvarint()
	m := &Message{Priority: 4}
	if flags&fID != 0 {
		m.ID = d.str()
	}
	if flags&fDest != 0 {
		m.Dest = d.dest()
	}
	if flags&fOrigDest != 0 {
		m.OriginalDest = d.dest()
	}
	m.Persistent = flags&fPersistent != 0
	if flags&fPriority != 0 {
		m.Priority = d.byte1()
	}
	if flags&fExpiration != 0 {
		m.Expiration = d.varint()
	}
	if flags&fTimestamp != 0 {
		m.Timestamp = d.varint()
	}
	if flags&fCorrelation != 0 {
		m.CorrelationID = d.str()
	}
	if flags&fReplyTo != 0 {
		m.ReplyTo = d.dest()
	}
	if flags&fType != 0 {
		m.Type = d.str()
	}
	if flags&fGroupID != 0 {
		m.GroupID = d.str()
	}
	if flags&fGroupSeq != 0 {
		m.GroupSeq = int32(d.varint())
	}
	if flags&fUserID != 0 {
		m.UserID = d.str()
	}
	if flags&fProps != 0 {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return nil, errShort
		}
		m.Props = make([]Property, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			p := Property{Name: d.str(), Type: PropType(d.byte1())}
			switch p.Type {
			case PropNull:
			case PropBool, PropByte, PropShort, PropInt, PropLong, PropChar:
				p.I = d.varint()
			case PropFloat, PropDouble:
				if len(d.b) < 8 {
					d.err = errShort
					break
				}
				p.F = math.Float64frombits(binary.BigEndian.Uint64(d.b))
				d.b = d.b[8:]
			case PropString:
				p.S = d.str()
			case PropBytes:
				p.B = d.bytes()
			default:
				d.err = fmt.Errorf("bad property type %d", p.Type)
			}
			m.Props = append(m.Props, p)
		}
	}
	if flags&fBodyKind != 0 {
		m.BodyKind = BodyKind(d.byte1())
	}
	if flags&fBodyEncoding != 0 {
		m.BodyEncoding = BodyEncoding(d.byte1())
	}
	m.Compressed = flags&fCompressed != 0
	if flags&fBody != 0 {
		m.Body = d.bytes()
	}
	if flags&fWireProps != 0 {
		m.WireProps = d.bytes()
	}
	if flags&fRedelivery != 0 {
		m.RedeliveryCount = int32(d.varint())
	}
	if flags&fBrokerPath != 0 {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return nil, errShort
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			m.BrokerPath = append(m.BrokerPath, d.str())
		}
	}
	if flags&fBrokerIn != 0 {
		m.BrokerInTime = d.varint()
	}
	if d.err != nil {
		return nil, fmt.Errorf("decode message: %w", d.err)
	}
	return m, nil
}
