// Package wire implements the OpenWire v12 loose encoding used between the
// stock ActiveMQ 5.x Java client and the broker.
//
// Only the loose form is implemented: the broker forces
// TightEncodingEnabled=false and CacheEnabled=false during negotiation (see
// NewBrokerWireFormatInfo and Negotiate), so tight encoding's BooleanStream and
// the marshal cache never appear on the wire. Versions 9 through 12 are
// supported; they differ only in ConsumerInfo.ClientID, MessageId.TextView
// and Message.JMSXGroupFirstForConsumer, which are absent below version 10.
//
// Frames are a 4-byte big-endian size prefix followed by a body: one type
// byte and that type's fields. Marshal appends a whole frame (prefix
// included); Unmarshal decodes one body; Reader reads size-prefixed frames
// from a stream.
//
// Conventions for optional values, which the encoding distinguishes from
// empty ones:
//
//   - strings that may be null are NullString (Valid=false is null);
//     identifiers (ConnectionId.Value, Destination.PhysicalName, ...) are
//     plain strings that are always encoded as present;
//   - byte sequences ([]byte) and object arrays (slices) are null when nil
//     and present-but-empty when non-nil with length zero;
//   - nested objects are null when the pointer or interface is nil.
//
// Decoded values alias the frame they were decoded from: Content,
// MarshalledProperties, XA transaction ids and tokens are sub-slices of the
// frame, never copies. Reader hands out a fresh buffer per frame, so its
// results may be retained freely.
//
// All strings are Java modified UTF-8 (see EncodeModifiedUTF8).
package wire
