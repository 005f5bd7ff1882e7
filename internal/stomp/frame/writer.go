package frame

import (
	"slices"
	"strconv"
)

// escClass marks the bytes a header must escape: 1 from STOMP 1.1 on,
// 2 in STOMP 1.2 only.
var escClass = [256]uint8{'\\': 1, '\n': 1, ':': 1, '\r': 2}

// Encoder appends frame parts with the header escaping of one protocol
// version. The zero Encoder escapes nothing (STOMP 1.0, and the headers of
// CONNECTED frames in every version).
//
// A frame is built as
//
//	b = e.AppendCommand(b, frame.MESSAGE)
//	b = e.AppendHeader(b, "subscription", id) // ... more headers
//	b = e.AppendBody(b, body)
type Encoder struct {
	mask uint8
}

// NewEncoder returns an Encoder for "1.0", "1.1" or "1.2" (anything else is
// treated as 1.0).
func NewEncoder(version string) Encoder {
	switch versionLevel(version) {
	case 1:
		return Encoder{mask: 1}
	case 2:
		return Encoder{mask: 3}
	}
	return Encoder{}
}

// AppendCommand appends the command line.
func (e Encoder) AppendCommand(dst []byte, cmd string) []byte {
	dst = append(dst, cmd...)
	return append(dst, '\n')
}

// AppendHeader appends "key:value\n", escaping key and value as the version
// requires: 1.1 escapes backslash, LF and ':' as \\ \n \c; 1.2 also CR as \r.
// STOMP 1.0 has no escaping: a value holding LF would break the frame, so
// callers writing to 1.0 clients must not pass one.
func (e Encoder) AppendHeader(dst []byte, key, value string) []byte {
	return e.appendValue(e.appendEscaped(dst, key), value)
}

// AppendNamedHeader is AppendHeader for a key that needs no escaping in
// any version -- a header name of the protocol, "message-id" -- written as
// is: a broker writes a dozen of them into every MESSAGE frame.
func (e Encoder) AppendNamedHeader(dst []byte, key, value string) []byte {
	return e.appendValue(append(dst, key...), value)
}

// appendValue ends a header whose key is written: ":<escaped value>\n".
func (e Encoder) appendValue(dst []byte, value string) []byte {
	dst = append(dst, ':')
	dst = e.appendEscaped(dst, value)
	return append(dst, '\n')
}

// AppendHeaderInt appends "key:<decimal v>\n"; key must need no escaping,
// as for AppendNamedHeader.
func (e Encoder) AppendHeaderInt(dst []byte, key string, v int64) []byte {
	dst = append(dst, key...)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, '\n')
}

// AppendBody ends the headers and appends the body and the frame end: a NUL
// followed by a LF, as ActiveMQ writes it.
func (e Encoder) AppendBody(dst, body []byte) []byte {
	dst = append(dst, '\n')
	dst = append(dst, body...)
	return append(dst, 0, '\n')
}

// AppendHeartBeat appends a heart-beat (one LF).
func (e Encoder) AppendHeartBeat(dst []byte) []byte {
	return append(dst, '\n')
}

func (e Encoder) appendEscaped(dst []byte, s string) []byte {
	if e.mask != 0 {
		for i := 0; i < len(s); i++ {
			if escClass[s[i]]&e.mask != 0 {
				return e.appendEscapedFrom(append(dst, s[:i]...), s[i:])
			}
		}
	}
	return append(dst, s...)
}

// appendEscapedFrom escapes s, whose first byte needs it. Like decoding
// (appendUnescaped), one pass byte by byte into room made once: the runs
// between escapes in message ids are a few bytes long.
func (e Encoder) appendEscapedFrom(dst []byte, s string) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(s))
	out := dst[n : n+2*len(s)]
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if escClass[c]&e.mask == 0 {
			out[j] = c
			j++
			continue
		}
		out[j] = '\\'
		switch c {
		case '\\':
			out[j+1] = '\\'
		case '\n':
			out[j+1] = 'n'
		case ':':
			out[j+1] = 'c'
		case '\r':
			out[j+1] = 'r'
		}
		j += 2
	}
	return dst[:n+j]
}

// AppendFrame appends the encoding of f for the given protocol version.
// Headers are written in order, duplicates included, escaped for the version
// (never for CONNECT, STOMP and CONNECTED). A content-length header is
// written only if f has one; the caller must set it when the body may hold a
// NUL. The frame ends with a NUL and a LF.
func AppendFrame(dst []byte, f *Frame, version string) []byte {
	e := NewEncoder(version)
	if rawHeaders(f.Command) {
		e = Encoder{}
	}
	dst = e.AppendCommand(dst, f.Command)
	for _, h := range f.Headers {
		dst = e.AppendHeader(dst, h.Key, h.Value)
	}
	return e.AppendBody(dst, f.Body)
}
