package wire

import (
	"errors"
	"fmt"
	"math"
)

// Magic is the 8-byte prefix of every WireFormatInfo.
var Magic = [8]byte{'A', 'c', 't', 'i', 'v', 'e', 'M', 'Q'}

// WireFormatInfo property names. The spelling of
// PropMaxInactivityDurationInitialDelay ("Inital") is the protocol's.
const (
	PropStackTraceEnabled                 = "StackTraceEnabled"
	PropTcpNoDelayEnabled                 = "TcpNoDelayEnabled"
	PropCacheEnabled                      = "CacheEnabled"
	PropTightEncodingEnabled              = "TightEncodingEnabled"
	PropSizePrefixDisabled                = "SizePrefixDisabled"
	PropMaxFrameSizeEnabled               = "MaxFrameSizeEnabled"
	PropCacheSize                         = "CacheSize"
	PropMaxFrameSize                      = "MaxFrameSize"
	PropMaxInactivityDuration             = "MaxInactivityDuration"
	PropMaxInactivityDurationInitialDelay = "MaxInactivityDurationInitalDelay"
	PropProviderName                      = "ProviderName"
	PropProviderVersion                   = "ProviderVersion"
	PropPlatformDetails                   = "PlatformDetails"
	PropHost                              = "Host"
)

// WireFormatInfo (type 1) opens the conversation in both directions. It has
// no command header on the wire; the embedded BaseCommand exists only to
// satisfy Command and is never encoded.
//
// Unmarshal fills both MarshalledProperties (the bytes as received) and
// Properties (their decoding). Marshal writes MarshalledProperties when it
// is not nil, else the encoding of Properties (keys sorted), else null.
type WireFormatInfo struct {
	BaseCommand
	Magic                [8]byte
	Version              int32
	Properties           map[string]any
	MarshalledProperties []byte
}

func (*WireFormatInfo) DataType() byte { return TypeWireFormatInfo }

// Valid reports whether the magic is "ActiveMQ".
func (w *WireFormatInfo) Valid() bool { return w.Magic == Magic }

func (w *WireFormatInfo) props() map[string]any {
	if w.Properties == nil && w.MarshalledProperties != nil {
		if p, err := UnmarshalPrimitiveMap(w.MarshalledProperties); err == nil {
			return p
		}
	}
	return w.Properties
}

// BoolProperty returns a boolean property; a missing property or one of
// another type is false (as the Java client's negotiation treats it).
func (w *WireFormatInfo) BoolProperty(name string) bool {
	b, _ := w.props()[name].(bool)
	return b
}

// Int64Property returns an integer property of any integer tag; ok is
// false when it is missing or not an integer.
func (w *WireFormatInfo) Int64Property(name string) (v int64, ok bool) {
	switch x := w.props()[name].(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	}
	return 0, false
}

// StringProperty returns a string property.
func (w *WireFormatInfo) StringProperty(name string) (string, bool) {
	s, ok := w.props()[name].(string)
	return s, ok
}

// NewBrokerWireFormatInfo returns the WireFormatInfo the broker sends at
// accept: version 12, loose encoding, no cache, no stack traces, size
// prefix on, TCP no-delay and max-frame-size checking on, with each
// property under the tag the Java client casts it to (booleans tag 1,
// CacheSize tag 5, the frame size and durations tag 6). Durations are in
// milliseconds; maxInactivity 0 disables inactivity monitoring.
func NewBrokerWireFormatInfo(maxFrameSize, maxInactivity, maxInactivityInitialDelay int64) *WireFormatInfo {
	return &WireFormatInfo{
		Magic:   Magic,
		Version: CurrentVersion,
		Properties: map[string]any{
			PropStackTraceEnabled:                 false,
			PropTcpNoDelayEnabled:                 true,
			PropCacheEnabled:                      false,
			PropTightEncodingEnabled:              false,
			PropSizePrefixDisabled:                false,
			PropMaxFrameSizeEnabled:               true,
			PropCacheSize:                         int32(1024),
			PropMaxFrameSize:                      maxFrameSize,
			PropMaxInactivityDuration:             maxInactivity,
			PropMaxInactivityDurationInitialDelay: maxInactivityInitialDelay,
			PropProviderName:                      "ActiveMQ",
			PropProviderVersion:                   "5.17.2",
			PropPlatformDetails:                   "Go",
		},
	}
}

// ErrNegotiation is wrapped by Negotiate's errors.
var ErrNegotiation = errors.New("openwire: wire format negotiation failed")

// Settled is the outcome of negotiation, plus what the peer asked for.
type Settled struct {
	Version              int32
	StackTraceEnabled    bool
	TcpNoDelayEnabled    bool
	CacheEnabled         bool
	TightEncodingEnabled bool
	SizePrefixDisabled   bool
	CacheSize            int32
	// MaxFrameSize is the smaller of both sides' limits (a side that sent
	// none or a non-positive one imposes none).
	MaxFrameSize int64
	// MaxInactivityDuration is in milliseconds; 0 disables monitoring.
	MaxInactivityDuration             int64
	MaxInactivityDurationInitialDelay int64

	// What the peer sent.
	PeerVersion              int32
	PeerTightEncodingEnabled bool
	PeerCacheEnabled         bool
	PeerSizePrefixDisabled   bool
	PeerStackTraceEnabled    bool
}

// Codec returns the codec for the settled version and stack-trace mode.
func (s Settled) Codec() Codec {
	return Codec{Version: s.Version, StackTraceEnabled: s.StackTraceEnabled}
}

// Negotiate settles the wire format the way the Java client does:
// version = min of both, booleans ANDed (missing = false), CacheSize and
// MaxFrameSize min, inactivity durations min with 0 (or a missing value)
// disabling. It fails, still returning what it computed, when either
// magic is wrong, the peer's version is below MinVersion, or the result
// would need tight encoding, the marshal cache or frames without a size
// prefix, none of which this package implements.
func Negotiate(ours, theirs *WireFormatInfo) (Settled, error) {
	if ours == nil || theirs == nil {
		return Settled{}, fmt.Errorf("%w: missing WireFormatInfo", ErrNegotiation)
	}
	s := Settled{
		Version:                  min(ours.Version, theirs.Version, CurrentVersion),
		StackTraceEnabled:        ours.BoolProperty(PropStackTraceEnabled) && theirs.BoolProperty(PropStackTraceEnabled),
		TcpNoDelayEnabled:        ours.BoolProperty(PropTcpNoDelayEnabled) && theirs.BoolProperty(PropTcpNoDelayEnabled),
		CacheEnabled:             ours.BoolProperty(PropCacheEnabled) && theirs.BoolProperty(PropCacheEnabled),
		TightEncodingEnabled:     ours.BoolProperty(PropTightEncodingEnabled) && theirs.BoolProperty(PropTightEncodingEnabled),
		SizePrefixDisabled:       ours.BoolProperty(PropSizePrefixDisabled) && theirs.BoolProperty(PropSizePrefixDisabled),
		PeerVersion:              theirs.Version,
		PeerTightEncodingEnabled: theirs.BoolProperty(PropTightEncodingEnabled),
		PeerCacheEnabled:         theirs.BoolProperty(PropCacheEnabled),
		PeerSizePrefixDisabled:   theirs.BoolProperty(PropSizePrefixDisabled),
		PeerStackTraceEnabled:    theirs.BoolProperty(PropStackTraceEnabled),
	}
	oc, _ := ours.Int64Property(PropCacheSize)
	tc, _ := theirs.Int64Property(PropCacheSize)
	s.CacheSize = int32(max(min(oc, tc, math.MaxInt32), 0))

	s.MaxFrameSize = minLimit(ours, theirs, PropMaxFrameSize)
	s.MaxInactivityDuration = minDuration(ours, theirs, PropMaxInactivityDuration)
	s.MaxInactivityDurationInitialDelay = minDuration(ours, theirs, PropMaxInactivityDurationInitialDelay)

	switch {
	case !ours.Valid():
		return s, fmt.Errorf("%w: our magic %q is not %q", ErrNegotiation, ours.Magic[:], Magic[:])
	case !theirs.Valid():
		return s, fmt.Errorf("%w: peer magic %q is not %q", ErrNegotiation, theirs.Magic[:], Magic[:])
	case theirs.Version < MinVersion:
		return s, fmt.Errorf("%w: peer version %d is below the minimum %d", ErrNegotiation, theirs.Version, MinVersion)
	case s.Version < MinVersion:
		return s, fmt.Errorf("%w: settled version %d is below the minimum %d", ErrNegotiation, s.Version, MinVersion)
	case s.TightEncodingEnabled:
		return s, fmt.Errorf("%w: tight encoding is not supported", ErrNegotiation)
	case s.CacheEnabled:
		return s, fmt.Errorf("%w: the marshal cache is not supported", ErrNegotiation)
	case s.SizePrefixDisabled:
		return s, fmt.Errorf("%w: frames without a size prefix are not supported", ErrNegotiation)
	}
	return s, nil
}

// minLimit is the smaller positive value of a limit property; a side with
// no positive value imposes no limit; with neither, the result is
// math.MaxInt64.
func minLimit(a, b *WireFormatInfo, name string) int64 {
	r := int64(math.MaxInt64)
	if v, ok := a.Int64Property(name); ok && v > 0 {
		r = min(r, v)
	}
	if v, ok := b.Int64Property(name); ok && v > 0 {
		r = min(r, v)
	}
	return r
}

// minDuration is the smaller of both durations; missing counts as 0 and a
// non-positive result is 0 (disabled).
func minDuration(a, b *WireFormatInfo, name string) int64 {
	x, _ := a.Int64Property(name)
	y, _ := b.Int64Property(name)
	return max(min(x, y), 0)
}
