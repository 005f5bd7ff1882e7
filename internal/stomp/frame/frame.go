// Package frame reads and writes STOMP 1.0, 1.1 and 1.2 frames for the
// broker side of a connection, following the wire behaviour of ActiveMQ
// Classic 5.17 (StompWireFormat / StompCodec) where the STOMP specification
// leaves room.
//
// Reading: a Reader parses frames from its own fixed read buffer with a small
// state machine (command line, header lines, body). Every limit in Limits is
// enforced while the bytes arrive; an announced content-length is never used
// to size an allocation beyond what has actually been received (the body
// starts at min(content-length, 64 KiB) and grows as data arrives).
//
// Heart-beats: each bare EOL ("\n" or "\r\n", or a line holding nothing but
// bytes <= 0x20, which ActiveMQ trims away) read where a command is expected
// is reported by ReadFrame as (nil, nil). EOLs that follow a frame's NUL are
// reported the same way, so a caller that resets its read-inactivity timer on
// every ReadFrame return, frame or not, sees all read activity. NUL bytes
// where a command is expected are skipped silently.
//
// Writing: AppendFrame encodes a Frame; Encoder is the allocation-free path
// for building frames (MESSAGE, RECEIPT, ERROR ...) header by header.
package frame

// Commands. The Reader returns these very strings (no allocation) for known
// commands; any other command is returned as a newly allocated string and is
// left to the caller to reject.
const (
	CONNECT     = "CONNECT"
	STOMP       = "STOMP"
	CONNECTED   = "CONNECTED"
	SEND        = "SEND"
	SUBSCRIBE   = "SUBSCRIBE"
	UNSUBSCRIBE = "UNSUBSCRIBE"
	ACK         = "ACK"
	NACK        = "NACK"
	BEGIN       = "BEGIN"
	COMMIT      = "COMMIT"
	ABORT       = "ABORT"
	DISCONNECT  = "DISCONNECT"
	MESSAGE     = "MESSAGE"
	RECEIPT     = "RECEIPT"
	ERROR       = "ERROR"
)

// Protocol versions.
const (
	V10 = "1.0"
	V11 = "1.1"
	V12 = "1.2"
)

// HeaderContentLength is the name of the header that gives the body length.
const HeaderContentLength = "content-length"

// Header is one header line, unescaped.
type Header struct {
	Key   string
	Value string
}

// Frame is one STOMP frame. Headers are kept in wire order, repeated keys
// included; Get returns the first occurrence, as STOMP 1.2 requires.
type Frame struct {
	Command string
	Headers []Header
	Body    []byte
}

// Get returns the value of the first header named key.
func (f *Frame) Get(key string) (string, bool) {
	for i := range f.Headers {
		if f.Headers[i].Key == key {
			return f.Headers[i].Value, true
		}
	}
	return "", false
}

// Set gives the first header named key the value v and removes any later
// headers with the same name; if there is none, it appends one.
func (f *Frame) Set(key, v string) {
	for i := range f.Headers {
		if f.Headers[i].Key == key {
			f.Headers[i].Value = v
			f.Headers = append(f.Headers[:i+1], deleteKey(f.Headers[i+1:], key)...)
			return
		}
	}
	f.Headers = append(f.Headers, Header{Key: key, Value: v})
}

// Add appends a header, keeping any existing ones with the same name.
func (f *Frame) Add(key, v string) {
	f.Headers = append(f.Headers, Header{Key: key, Value: v})
}

// Del removes every header named key.
func (f *Frame) Del(key string) {
	f.Headers = deleteKey(f.Headers, key)
}

// deleteKey removes in place the headers named key and returns the shortened
// slice.
func deleteKey(hs []Header, key string) []Header {
	j := 0
	for i := range hs {
		if hs[i].Key != key {
			hs[j] = hs[i]
			j++
		}
	}
	clear(hs[j:])
	return hs[:j]
}

// internCommand returns the constant for a known command and a fresh string
// otherwise.
func internCommand(b []byte) string {
	switch string(b) {
	case SEND:
		return SEND
	case MESSAGE:
		return MESSAGE
	case ACK:
		return ACK
	case NACK:
		return NACK
	case SUBSCRIBE:
		return SUBSCRIBE
	case UNSUBSCRIBE:
		return UNSUBSCRIBE
	case BEGIN:
		return BEGIN
	case COMMIT:
		return COMMIT
	case ABORT:
		return ABORT
	case CONNECT:
		return CONNECT
	case STOMP:
		return STOMP
	case CONNECTED:
		return CONNECTED
	case DISCONNECT:
		return DISCONNECT
	case RECEIPT:
		return RECEIPT
	case ERROR:
		return ERROR
	}
	return string(b)
}

// rawHeaders reports whether headers of frames with this command are sent
// without escaping (STOMP 1.1/1.2: CONNECT and CONNECTED; STOMP is the 1.2
// synonym of CONNECT).
func rawHeaders(cmd string) bool {
	return cmd == CONNECT || cmd == CONNECTED || cmd == STOMP
}

// versionLevel maps a version string to 0 (1.0, and anything unknown),
// 1 (1.1) or 2 (1.2).
func versionLevel(v string) uint8 {
	switch v {
	case V11:
		return 1
	case V12:
		return 2
	}
	return 0
}

// trimCtl removes leading and trailing bytes <= 0x20, as java.lang.String.trim
// does.
func trimCtl[T string | []byte](s T) T {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}
