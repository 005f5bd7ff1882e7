package selector

import (
	"math"
	"strconv"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds a Source may return. Java's byte, short, int and long all map to
// Int; float and double map to Float.
const (
	Null Kind = iota
	Bool
	Int
	Float
	String

	// Kinds below are internal to evaluation and never come from a Source.

	// kindBig is an integer literal outside the int64 range. ActiveMQ keeps
	// such literals as BigDecimal, which compares unequal to every other
	// number type, so they only ever compare with each other. S holds the
	// decimal digits, with a leading '-' when negative.
	kindBig
	// kindAbort marks an evaluation that ActiveMQ would abandon with a
	// runtime exception (for example 'abc' * 2). It propagates through every
	// operator unchanged and makes the whole selector not match.
	kindAbort
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "Null"
	case Bool:
		return "Bool"
	case Int:
		return "Int"
	case Float:
		return "Float"
	case String:
		return "String"
	case kindBig:
		return "big"
	case kindAbort:
		return "abort"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a property value: Null (the zero Value, also what a missing
// property is), or a Bool, Int, Float or String made by the constructors
// below.
//
// The payload fields are unexported to keep Value at 32 bytes and three
// fields: the Go compiler passes such a struct in registers, while a wider
// one (separate int, float, bool and string fields) goes through memory on
// every call and return, which made evaluation about three times slower.
type Value struct {
	Kind Kind
	n    uint64 // Bool: 0 or 1; Int: the int64; Float: the IEEE 754 bits
	s    string // String; digits of a kindBig
}

// BoolValue returns a Bool Value.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, n: 1}
	}
	return Value{Kind: Bool}
}

// IntValue returns an Int Value.
func IntValue(i int64) Value { return Value{Kind: Int, n: uint64(i)} }

// FloatValue returns a Float Value.
func FloatValue(f float64) Value { return Value{Kind: Float, n: math.Float64bits(f)} }

// StringValue returns a String Value.
func StringValue(s string) Value { return Value{Kind: String, s: s} }

// Bool returns the value of a Bool.
func (v Value) Bool() bool { return v.n != 0 }

// Int returns the value of an Int.
func (v Value) Int() int64 { return int64(v.n) }

// Float returns the value of a Float.
func (v Value) Float() float64 { return math.Float64frombits(v.n) }

// Text returns the value of a String.
func (v Value) Text() string { return v.s }

// String renders v for diagnostics.
func (v Value) String() string {
	switch v.Kind {
	case Null:
		return "NULL"
	case Bool:
		if v.Bool() {
			return "TRUE"
		}
		return "FALSE"
	case Int:
		return strconv.FormatInt(v.Int(), 10)
	case Float:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case String:
		return strconv.Quote(v.s)
	case kindBig:
		return v.s
	}
	return v.Kind.String()
}

// Source supplies the values of identifiers to a selector. Names arrive
// exactly as written in the selector (identifiers are case-sensitive); a
// missing identifier must yield the zero Value (Null).
//
// The broker resolves the JMS header names (JMSType, JMSPriority,
// JMSTimestamp, JMSCorrelationID, JMSMessageID, JMSDeliveryMode as the
// strings 'PERSISTENT'/'NON_PERSISTENT', JMSExpiration, JMSRedelivered,
// JMSXDeliveryCount, JMSXGroupID, JMSXGroupSeq, JMSDestination, JMSReplyTo,
// JMSXUserID) as well as user properties; the selector only asks by name.
//
// Lookup must be safe for the caller's own concurrency: a Selector calls it
// from whichever goroutine calls Matches.
type Source interface {
	Lookup(name string) Value
}

// MapSource is a Source backed by a map, convenient for tests and tools.
type MapSource map[string]Value

// Lookup implements Source.
func (m MapSource) Lookup(name string) Value { return m[name] }
